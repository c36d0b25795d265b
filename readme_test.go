package credprocess_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"go/format"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// tryItLocally returns the README's "Try it locally" section.
func tryItLocally(t *testing.T) string {
	t.Helper()
	readme := mustRead(t, "README.md")
	start, end := strings.Index(readme, "## Try it locally\n"), strings.Index(readme, "## Quick start\n")
	if start < 0 || end < start {
		t.Fatal("README has no Try it locally section before the Quick start")
	}
	return readme[start:end]
}

// writeModule writes go.mod and go.sum into dir for a module named name
// that requires this module, replaced by this checkout, with this module's
// own requirements and sums: what `go mod init`, `go mod edit -replace` and
// `go mod tidy` make, so that a build needs no network.
func writeModule(t *testing.T, dir, name string) {
	t.Helper()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	requires := string(gomod[strings.Index(string(gomod), "require"):])
	mod := "module " + name + "\n\ngo 1.26.0\n\n" + requires +
		"\nrequire github.com/seed-dcc28122/credprocess v0.0.0\n\nreplace github.com/seed-dcc28122/credprocess => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

// offline is the environment of a go command that must not reach the
// network.
func offline() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
}

// TestREADMETryItLocally runs the README's "Try it locally" program as
// written: its producer.sh and main.go, built against this checkout, with
// AWS_ENDPOINT_URL_STS pointing at an endpoint that accepts the key the
// README says `bin/demo serve` accepts.
func TestREADMETryItLocally(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the README's producer is a POSIX shell script, built with the go command")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	section := tryItLocally(t)
	heredoc := func(name string) string {
		m := regexp.MustCompile(`(?s)cat > ` + regexp.QuoteMeta(name) + ` <<'EOF'\n(.*?)\nEOF\n`).FindStringSubmatch(section)
		if m == nil {
			t.Fatalf("README section has no heredoc for %s", name)
		}
		return m[1] + "\n"
	}
	for _, want := range []string{"AKIDLOCALDEMO", "local-demo-secret", "go build -o bin/demo ./examples/demo\nbin/demo serve 127.0.0.1:4566\n", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566 go run ."} {
		if !strings.Contains(section, want) {
			t.Errorf("README section does not mention %q", want)
		}
	}

	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("producer.sh", heredoc("producer.sh"), 0o755)
	write("main.go", heredoc("main.go"), 0o644)
	writeModule(t, dir, "try")

	srv, err := awstest.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Allow("AKIDLOCALDEMO", "local-demo-secret", "")

	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(offline(), "AWS_ENDPOINT_URL_STS="+srv.URL())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run of the README's program: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "arn:aws:iam::123456789012:user/AKIDLOCALDEMO"; got != want {
		t.Errorf("the README's program printed %q; want %q", got, want)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Operation != "GetCallerIdentity" || reqs[0].ErrorCode != "" {
		t.Errorf("endpoint saw %+v; want one successful GetCallerIdentity", reqs)
	}
}

// servedEndpoint reads the banner of a starting "demo serve" from r: the
// address it listens on and the process id it says to kill.
func servedEndpoint(t *testing.T, r *bufio.Reader) (addr string, pid int) {
	t.Helper()
	for addr == "" || pid == 0 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("demo serve ended its banner with %v", err)
		}
		if rest, ok := strings.CutPrefix(line, "endpoint "); ok {
			u, err := url.Parse(strings.Fields(rest)[0])
			if err != nil {
				t.Fatal(err)
			}
			addr = u.Host
		}
		if m := regexp.MustCompile(`\bkill (\d+)\b`).FindStringSubmatch(line); m != nil {
			pid, _ = strconv.Atoi(m[1])
		}
	}
	return addr, pid
}

// TestREADMEServeStops starts the endpoint as "Try it locally" says, stops
// it as it says, and checks that the port is free again: the built program
// stopped with Ctrl-C or `kill PID`, and `go run` killed by its own process
// id, which does not pass the signal on.
func TestREADMEServeStops(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Ctrl-C and kill are POSIX signals here, and the program is built with the go command")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	section := tryItLocally(t)
	for _, want := range []string{"Ctrl-C, or `kill PID`", "`go run ./examples/demo serve 127.0.0.1:4566`"} {
		if !strings.Contains(section, want) {
			t.Fatalf("README section does not mention %q", want)
		}
	}
	m := regexp.MustCompile("```sh\n(go build -o (\\S+) (\\S+))\n((\\S+) serve 127.0.0.1:4566)\n```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("README section has no sh block with a go build -o line and a serve line")
	}
	build, out, pkg, serve, program := m[1], m[2], m[3], m[4], m[5]
	if program != out {
		t.Fatalf("README builds %s and runs %s", out, program)
	}
	bin := filepath.Join(t.TempDir(), out)
	if b, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}

	// start runs name with args and returns it and the endpoint's banner.
	start := func(t *testing.T, name string, args ...string) (cmd *exec.Cmd, addr string, pid int) {
		cmd = exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "GOWORK=off")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		cmd.WaitDelay = 10 * time.Second // go run's child holds stdout until it exits
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr, pid = servedEndpoint(t, bufio.NewReader(stdout))
		t.Cleanup(func() {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill() // had it outlived the test's signal
			}
			cmd.Process.Kill()
			cmd.Wait()
		})
		return cmd, addr, pid
	}
	// The README's address, with a port of the system's choosing.
	addr := "127.0.0.1:0"

	for _, tt := range []struct {
		name string
		sig  syscall.Signal
	}{{"Ctrl-C", syscall.SIGINT}, {"kill PID", syscall.SIGTERM}} {
		t.Run(tt.name, func(t *testing.T) {
			cmd, listening, pid := start(t, bin, "serve", addr)
			if pid != cmd.Process.Pid {
				t.Errorf("%s said to kill %d; its process id is %d", serve, pid, cmd.Process.Pid)
			}
			p, err := os.FindProcess(pid)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("%s stopped with %v: %v; want exit status 0", serve, tt.sig, err)
			}
			proctest.PortFree(t, listening, time.Second)
		})
	}
	t.Run("go run killed", func(t *testing.T) {
		cmd, listening, pid := start(t, "go", "run", "./examples/demo", "serve", addr)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		// The endpoint notices that go run is gone and exits: wait for
		// that, within proctest.Grace, then the port is free at once.
		proctest.ProcessGone(t, pid)
		proctest.PortFree(t, listening, time.Second)
	})
}

// TestREADMEGoBlocks builds every ```go block of the README, each a whole
// file, as a program of its own against this checkout, and checks that it
// is gofmt-formatted and passes go vet.
func TestREADMEGoBlocks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("builds with the go command, which Windows test binaries run without")
	}
	if testing.Short() {
		t.Skip("builds programs")
	}
	lines := strings.SplitAfter(mustRead(t, "README.md"), "\n")
	dir := t.TempDir()
	writeModule(t, dir, "readmeblocks")
	var blocks []string
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```go\n" {
			continue
		}
		first := i + 2 // 1-based line of the block's first line
		var src strings.Builder
		for i++; i < len(lines) && lines[i] != "```\n"; i++ {
			src.WriteString(lines[i])
		}
		name := fmt.Sprintf("readme_line_%d", first)
		blocks = append(blocks, name)
		if !strings.HasPrefix(src.String(), "package ") {
			t.Errorf("README line %d: the Go block is not a whole file (package clause, imports, code)", first)
			continue
		}
		if formatted, err := format.Source([]byte(src.String())); err != nil {
			t.Errorf("README line %d: %v", first, err)
		} else if !bytes.Equal(formatted, []byte(src.String())) {
			t.Errorf("README line %d: the Go block is not gofmt-formatted; gofmt makes it\n%s", first, formatted)
		}
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "main.go"), []byte(src.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(blocks) < 2 {
		t.Fatalf("README has %d Go blocks; want the Quick start and more", len(blocks))
	}
	for _, args := range [][]string{{"vet", "./..."}, {"build", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = offline()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s of the README's Go blocks (directories named by their first line): %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestREADMELogModesPrintSecrets checks what the README says of the SDK's
// own wire logging: LogSigning and LogRequest print the session token but
// not the secret key, and LogResponseWithBody prints the secret key and
// token STS AssumeRole returns.
func TestREADMELogModesPrintSecrets(t *testing.T) {
	const (
		key    = "ASIALOGMODES"
		secret = "planted-secret-key"
		token  = "planted-session-token"
	)
	srv := awstest.New()
	defer srv.Close()
	srv.Allow(key, secret, token)
	client := func(mode aws.ClientLogMode, l *logRecorder) *sts.Client {
		return sts.NewFromConfig(aws.Config{
			Region:        awstest.Region,
			Credentials:   credentials.NewStaticCredentialsProvider(key, secret, token),
			HTTPClient:    srv.HTTPClient(),
			BaseEndpoint:  aws.String(srv.URL()),
			ClientLogMode: mode,
			Logger:        l,
		})
	}
	ctx := context.Background()

	for _, mode := range []struct {
		name string
		mode aws.ClientLogMode
	}{{"LogSigning", aws.LogSigning}, {"LogRequest", aws.LogRequest}} {
		l := &logRecorder{}
		if _, err := client(mode.mode, l).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatal(err)
		}
		logged := strings.Join(l.all(), "\n")
		if !strings.Contains(logged, token) {
			t.Errorf("%s does not log the session token; the README says it does:\n%s", mode.name, logged)
		}
		if strings.Contains(logged, secret) {
			t.Errorf("%s logs the secret key; the README says it does not:\n%s", mode.name, logged)
		}
	}

	l := &logRecorder{}
	out, err := client(aws.LogResponseWithBody, l).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::" + awstest.AccountID + ":role/app"),
		RoleSessionName: aws.String("readme"),
	})
	if err != nil {
		t.Fatal(err)
	}
	logged := strings.Join(l.all(), "\n")
	for _, s := range []string{aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)} {
		if !strings.Contains(logged, s) {
			t.Errorf("LogResponseWithBody does not log the secret key and token AssumeRole returned; the README says it does:\n%s", logged)
		}
	}
}
