package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// The test binary is the demo when DEMO_MAIN is set (os/exec's helper
// process pattern), and, with DEMO_PARENT set, a parent that starts the
// demo with its arguments, copies the demo's first line to its stdout,
// prints the demo's process id on a line of its own and waits to be killed.
func TestMain(m *testing.M) {
	switch {
	case os.Getenv("DEMO_PARENT") != "":
		os.Unsetenv("DEMO_PARENT")
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			panic(err)
		}
		if err := cmd.Start(); err != nil {
			panic(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		fmt.Printf("%s%d\n", line, cmd.Process.Pid)
		cmd.Wait()
		select {}
	case os.Getenv("DEMO_MAIN") != "":
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// demoCommand returns the demo run with args.
func demoCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DEMO_MAIN=1")
	return cmd
}

// exitCode returns the exit status err reports, 0 for nil.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("demo did not run: %v", err)
	return -1
}

func TestHelp(t *testing.T) {
	tests := []struct {
		args       []string
		wantStdout []string // each must appear
		wantCode   int
	}{
		{[]string{"--help"}, []string{"usage: demo", "demo serve ADDR"}, 0},
		{[]string{"-h"}, []string{"usage: demo"}, 0},
		{[]string{"-help"}, []string{"usage: demo"}, 0},
		{[]string{"help"}, []string{"usage: demo"}, 0},
		{[]string{"serve", "--help"}, []string{"usage: demo serve [--allow-remote] ADDR"}, 0},
		{[]string{"serve", "-h"}, []string{"usage: demo serve"}, 0},
		{[]string{"serve", "help"}, []string{"usage: demo serve"}, 0},
		{[]string{"help", "serve"}, []string{"usage: demo serve"}, 0},
		{[]string{"--bogus"}, nil, 2},
		{[]string{"serve"}, nil, 2},
		{[]string{"serve", "--bogus", "127.0.0.1:0"}, nil, 2},
		{[]string{"serve", "127.0.0.1:0", "127.0.0.1:1"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := demoCommand(t, tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.WaitDelay = time.Second
			if err := startWithin(cmd, 10*time.Second); exitCode(t, err) != tt.wantCode {
				t.Fatalf("demo %q: %v; want exit status %d\nstdout:\n%s\nstderr:\n%s", tt.args, err, tt.wantCode, &stdout, &stderr)
			}
			if tt.wantCode != 0 {
				if stdout.Len() != 0 || !strings.Contains(stderr.String(), "usage: demo") {
					t.Errorf("demo %q printed\nstdout:\n%s\nstderr:\n%s\nwant nothing on stdout and the usage on stderr", tt.args, &stdout, &stderr)
				}
				return
			}
			if stderr.Len() != 0 || strings.Contains(stdout.String(), "credential_process:") || strings.Contains(stdout.String(), "endpoint http://127") {
				t.Errorf("demo %q ran something; stdout:\n%s\nstderr:\n%s", tt.args, &stdout, &stderr)
			}
			for _, want := range tt.wantStdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("demo %q printed\n%s\nwant %q in it", tt.args, &stdout, want)
				}
			}
		})
	}
}

// startWithin runs cmd and kills it if it runs longer than d.
func startWithin(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Wait()
}

// TestServeHelpListsEndpoint checks that "demo serve --help" documents what
// the endpoint offers: every operation awstest answers, the key, the region
// and the bucket.
func TestServeHelpListsEndpoint(t *testing.T) {
	want := []string{localKey, localSecret, awstest.Region, "One bucket exists: " + localBucket, "Path-style"}
	for _, svc := range []string{"s3", "sts", "dynamodb"} {
		want = append(want, awstest.Operations(svc)...)
	}
	for _, w := range want {
		if !strings.Contains(serveUsage, w) {
			t.Errorf("demo serve --help does not mention %q", w)
		}
	}
}

// endpoint is a running "demo serve".
type endpoint struct {
	cmd    *exec.Cmd
	url    string // as the first line printed it
	stdout *bufio.Reader
	addr   string // host:port of url
}

// startServe starts cmd, a "demo serve" or a parent of one, and reads the
// endpoint's URL from its first line.
func startServe(t *testing.T, cmd *exec.Cmd) *endpoint {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	if err != nil {
		cmd.Wait()
		t.Fatalf("demo serve printed %q: %v\nstderr:\n%s", line, err, &stderr)
	}
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "endpoint" {
		t.Fatalf("demo serve's first line = %q; want endpoint URL ...", line)
	}
	u, err := url.Parse(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return &endpoint{cmd: cmd, url: f[1], stdout: r, addr: u.Host}
}

// TestServeAnswers calls the endpoint with real clients signed by the key
// its help gives: ListBuckets finds the bucket demo.
func TestServeAnswers(t *testing.T) {
	ep := startServe(t, demoCommand(t, "serve", "127.0.0.1:0"))
	cfg := aws.Config{
		Region:       awstest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(localKey, localSecret, ""),
		BaseEndpoint: aws.String(ep.url),
	}
	ctx := context.Background()
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::"+awstest.AccountID+":user/"+localKey; got != want {
		t.Errorf("GetCallerIdentity ARN = %q; want %q", got, want)
	}
	out, err := s3.NewFromConfig(cfg).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	if diff := cmp.Diff([]string{localBucket}, names); diff != "" {
		t.Errorf("ListBuckets (-want +got):\n%s", diff)
	}
}

func TestServeRefusesRemote(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		t.Run(addr, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := demoCommand(t, "serve", addr)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := startWithin(cmd, 10*time.Second); exitCode(t, err) != 2 {
				t.Fatalf("demo serve %s: %v; want exit status 2\nstdout:\n%s\nstderr:\n%s", addr, err, &stdout, &stderr)
			}
			for _, want := range []string{"not a loopback address", "published key", "--allow-remote"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("demo serve %s: stderr %q does not say %q", addr, &stderr, want)
				}
			}
			if stdout.Len() != 0 {
				t.Errorf("demo serve %s printed %q; want nothing", addr, &stdout)
			}
		})
	}
}

func TestServeAcceptsLoopback(t *testing.T) {
	for _, args := range [][]string{{"127.0.0.1:0"}, {"localhost:0"}, {"127.0.0.2:0"}, {"--allow-remote", "0.0.0.0:0"}, {"0.0.0.0:0", "--allow-remote"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ep := startServe(t, demoCommand(t, append([]string{"serve"}, args...)...))
			warning := strings.Contains(strings.Join(args, " "), "allow-remote")
			var rest []string
			for {
				line, err := ep.stdout.ReadString('\n')
				if err != nil {
					t.Fatalf("demo serve %q printed %q, then %v", args, rest, err)
				}
				rest = append(rest, line)
				if strings.HasPrefix(line, "Ctrl-C") {
					break
				}
			}
			if got := strings.Contains(strings.Join(rest, ""), "warning: not a loopback address"); got != warning {
				t.Errorf("demo serve %q printed %q; want a warning: %v", args, rest, warning)
			}
		})
	}
}

// TestServeStops stops the endpoint as its banner says, with Ctrl-C or
// kill PID, and checks that it exits at once and frees its port.
func TestServeStops(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM or SIGINT to send on Windows")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			ep := startServe(t, demoCommand(t, "serve", "127.0.0.1:0"))
			if err := ep.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- ep.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("demo serve after %v: %v; want exit status 0", sig, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("demo serve still runs 5s after %v", sig)
			}
			proctest.PortFree(t, ep.addr, time.Second)
		})
	}
}

// TestServeExitsWithParent kills the process that started the endpoint, as
// killing go run does, and checks that the endpoint exits and frees its
// port.
func TestServeExitsWithParent(t *testing.T) {
	cmd := demoCommand(t, "serve", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "DEMO_PARENT=1")
	ep := startServe(t, cmd)
	line, err := ep.stdout.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the parent printed %q; want the endpoint's process id", line)
	}
	if p, err := os.FindProcess(pid); err == nil {
		t.Cleanup(func() { p.Kill() }) // should it outlive its parent
	}
	if err := ep.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	ep.cmd.Wait()
	proctest.PortFree(t, ep.addr, 5*time.Second)
}

// TestDemoRemovesTempDirsWhenStopped stops the demo partway with the
// signals it handles and checks that it leaves no temporary directory.
func TestDemoRemovesTempDirsWhenStopped(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM or SIGINT to send on Windows; the demo's producer line is for sh")
	}
	if testing.Short() {
		t.Skip("runs the demo")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := demoCommand(t)
			cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// Wait until the demo holds its directory and waits for the
			// refresh.
			r := bufio.NewReader(out)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					cmd.Wait()
					t.Fatalf("demo ended before the refresh step: %v\nstderr:\n%s", err, &stderr)
				}
				if strings.Contains(line, "the strategy serves them until") {
					break
				}
			}
			if dirs, _ := filepath.Glob(filepath.Join(tmp, "credprocess-demo*")); len(dirs) == 0 {
				t.Fatalf("no credprocess-demo* directory in TMPDIR while the demo runs")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, r)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("demo still runs 10s after %v", sig)
			}
			if code := exitCode(t, err); code != 1 || !strings.Contains(stderr.String(), "demo stopped:") {
				t.Errorf("demo after %v: exit status %d, stderr %q; want 1 and demo stopped: ...", sig, code, &stderr)
			}
			left, err := os.ReadDir(tmp)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range left {
				t.Errorf("demo left %s in TMPDIR", e.Name())
			}
		})
	}
}
