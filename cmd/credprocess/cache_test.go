package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// The test binary plays two programs, chosen by environment variables
// read in init, before the tests:
//   - the credprocess command itself ($CREDPROCESS_AS_CLI), so that
//     wrappers run as the separate processes they are in use; each start
//     appends a line to $WRAPPER_STARTS when it is set;
//   - a producer ($CREDPROCESS_CMD_PRODUCER), which appends a line to
//     $PRODUCER_RUNS for each run, waits $PRODUCER_DELAY, with "prompt"
//     asks for an MFA code on stderr and reads it from stdin, with "fail"
//     exits 3, and otherwise prints a set whose key ends with the run's
//     number, valid for $PRODUCER_LIFE (default an hour).
//
// A wrapper's producer inherits the wrapper's environment: the command is
// told from the producer by its first argument.
const (
	asCLIEnv       = "CREDPROCESS_AS_CLI"
	cmdProducerEnv = "CREDPROCESS_CMD_PRODUCER"
)

func init() {
	switch {
	case os.Getenv(asCLIEnv) != "" && len(os.Args) > 1 && os.Args[1] == "cache":
		if starts := os.Getenv("WRAPPER_STARTS"); starts != "" {
			if f, err := os.OpenFile(starts, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
				fmt.Fprintln(f, "start")
				f.Close()
			}
		}
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	case os.Getenv(cmdProducerEnv) != "":
		os.Exit(cmdProducer(os.Getenv(cmdProducerEnv)))
	}
}

func cmdProducer(mode string) int {
	runs := os.Getenv("PRODUCER_RUNS")
	f, err := os.OpenFile(runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintln(f, "run")
	f.Close()
	b, _ := os.ReadFile(runs)
	n := strings.Count(string(b), "\n")
	if d, err := time.ParseDuration(os.Getenv("PRODUCER_DELAY")); err == nil {
		time.Sleep(d)
	}
	code := ""
	switch mode {
	case "fail":
		fmt.Fprintln(os.Stderr, "Login required: run 'sso login' first")
		return 3
	case "prompt":
		fmt.Fprint(os.Stderr, "Enter MFA code: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			fmt.Fprintln(os.Stderr, "no code:", err)
			return 9
		}
		code = strings.TrimSpace(line)
	}
	life, err := time.ParseDuration(os.Getenv("PRODUCER_LIFE"))
	if err != nil {
		life = time.Hour
	}
	id := fmt.Sprintf("AKIDCACHE%s%04d", code, n)
	json.NewEncoder(os.Stdout).Encode(map[string]any{ //nolint:errcheck // the wrapper checks the output
		"Version": 1, "AccessKeyId": id, "SecretAccessKey": plantedSecret, "SessionToken": plantedToken,
		"Expiration": time.Now().Add(life).UTC().Format(time.RFC3339Nano),
	})
	return 0
}

// wrapperEnv returns the environment of a wrapper whose producer runs in
// mode, counting its runs in a new file, and a function counting them.
func wrapperEnv(t *testing.T, mode string, extra ...string) ([]string, func() int) {
	t.Helper()
	count := filepath.Join(proctest.TempDir(t, "cache-test"), "runs")
	env := append(os.Environ(), asCLIEnv+"=1", cmdProducerEnv+"="+mode, "PRODUCER_RUNS="+count, "GORACE=atexit_sleep_ms=0")
	return append(env, extra...), func() int { return proctest.Runs(t, count) }
}

// wrapperArgs is the wrapper line for the test binary as producer.
func wrapperArgs(t *testing.T, dir string, flags ...string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]string{"cache", "--dir", dir}, flags...), "--", exe, "--role", plantedArg)
}

// wrapperOut is one wrapper's outcome.
type wrapperOut struct {
	stdout, stderr string
	code           int
}

// runWrappers runs n wrappers at once and returns their outcomes.
func runWrappers(t *testing.T, n int, env, args []string) []wrapperOut {
	t.Helper()
	exe, _ := os.Executable()
	outs := make([]wrapperOut, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(exe, args...)
			cmd.Env = env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			outs[i] = wrapperOut{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
			if err != nil && cmd.ProcessState == nil {
				t.Errorf("wrapper %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	return outs
}

// TestCacheOneRunForManyWrappers: ten wrappers started at once, as ten CLI
// calls would start them, run the producer once and print the same set,
// in the credential_process format, with the producer's Expiration.
func TestCacheOneRunForManyWrappers(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "cache-test"), "shared")
	env, runs := wrapperEnv(t, "creds", "PRODUCER_DELAY=300ms")
	outs := runWrappers(t, 10, env, wrapperArgs(t, dir))
	for i, o := range outs {
		var doc struct {
			Version                       int
			AccessKeyID                   string `json:"AccessKeyId"`
			SecretAccessKey, SessionToken string
			Expiration                    time.Time
		}
		if o.code != 0 || json.Unmarshal([]byte(o.stdout), &doc) != nil || doc.Version != 1 ||
			doc.AccessKeyID != "AKIDCACHE0001" || doc.SecretAccessKey != plantedSecret || doc.SessionToken != plantedToken {
			t.Errorf("wrapper %d: exit %d, stdout %q, stderr %q; want AKIDCACHE0001's document", i, o.code, o.stdout, o.stderr)
		}
		if left := time.Until(doc.Expiration); left < 50*time.Minute || left > time.Hour {
			t.Errorf("wrapper %d: Expiration %v from now; want the producer's hour", i, left)
		}
	}
	if got := runs(); got != 1 {
		t.Errorf("producer runs = %d; want 1", got)
	}
}

// TestCacheFailure: a failing producer makes the wrapper exit with its
// status; the one that ran it passed its stderr on as it ran, the others,
// within the backoff, print the recorded excerpt; one run in all.
func TestCacheFailure(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "cache-test"), "shared")
	env, runs := wrapperEnv(t, "fail")
	start := time.Now()
	outs := runWrappers(t, 5, env, wrapperArgs(t, dir))
	elapsed := time.Since(start)
	for i, o := range outs {
		if o.code != 3 || !strings.Contains(o.stderr, "Login required: run 'sso login' first") || !strings.Contains(o.stderr, "exited with status 3") {
			t.Errorf("wrapper %d: exit %d, stderr %q; want exit 3 with the producer's stderr", i, o.code, o.stderr)
		}
		assertClean(t, fmt.Sprintf("wrapper %d", i), o.stdout+o.stderr)
	}
	if got, most := runs(), 1+int(elapsed/failureBackoff); got > most {
		t.Errorf("producer runs = %d in %v; want at most %d, one per backoff", got, elapsed, most)
	}
}

// TestCacheListAndClear: --list shows each entry's program, masked key,
// expiry and refresh moment, and no secret or argument; --clear removes
// the entries but not the lock files.
func TestCacheListAndClear(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "cache-test"), "shared")
	env, _ := wrapperEnv(t, "creds")
	if o := runWrappers(t, 1, env, wrapperArgs(t, dir))[0]; o.code != 0 {
		t.Fatalf("wrapper: exit %d, %s", o.code, o.stderr)
	}
	stdout, stderr, code := cli(t, "cache", "--list", "--dir", dir)
	if code != 0 || !strings.Contains(stdout, "AKID****0001") || !strings.Contains(stdout, "valid") {
		t.Errorf("cache --list: exit %d, %q, %q; want the masked key and its state", code, stdout, stderr)
	}
	assertClean(t, "cache --list", stdout+stderr)

	stdout, _, code = cli(t, "cache", "--clear", "--dir", dir)
	if code != 0 || !strings.Contains(stdout, "removed 1 entry") {
		t.Errorf("cache --clear: exit %d, %q; want 1 entry removed", code, stdout)
	}
	json, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	locks, _ := filepath.Glob(filepath.Join(dir, "*.lock"))
	if len(json) != 0 || len(locks) != 1 {
		t.Errorf("after --clear: entries %v, lock files %v; want none and one", json, locks)
	}
}

// assertClean fails t if s holds a planted secret or the planted argument.
func assertClean(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{plantedSecret, plantedToken, plantedArg} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds %q: %s", what, secret, s)
		}
	}
}

// TestCacheRefreshMoment: the wrapper moves a set on before the consumers'
// 15-minute window: 20 minutes before expiry for a set that lives long
// enough, half its life for a shorter one; jitter spreads the moment over
// the 10 minutes before.
func TestCacheRefreshMoment(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		life   time.Duration
		jitter float64       // the strategy's random draw; -1 for after-expiry
		wantAt time.Duration // after now
	}{
		{"an hour", time.Hour, -1, 40 * time.Minute},
		{"12 hours", 12 * time.Hour, -1, 12*time.Hour - 20*time.Minute},
		{"20 minutes", 20 * time.Minute, -1, 10 * time.Minute},
		{"15 minutes", 15 * time.Minute, -1, 7*time.Minute + 30*time.Second},
		{"an hour, jitter drawing 0", time.Hour, 0, 30 * time.Minute},
		{"an hour, jitter drawing 1", time.Hour, 1, 40 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s strategy.Strategy = strategy.AfterExpired{}
			if tt.jitter >= 0 {
				s = strategy.BeforeExpiredWithJitter{Window: 10 * time.Minute, Rand: func() float64 { return tt.jitter }}
			}
			c := aws.Credentials{CanExpire: true, Expires: now.Add(tt.life)}
			if got := testApp.refreshAt(s, c, now, defaultWindow).Sub(now); got != tt.wantAt {
				t.Errorf("refresh moment = now + %v; want now + %v", got, tt.wantAt)
			}
		})
	}
}

// botocorePython returns a python3 that has botocore, or skips: the
// botocore consumer test needs one (.ci/run installs Debian's).
func botocorePython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import botocore").Run() == nil {
			return py
		}
	}
	if os.Getenv("REQUIRE_BOTOCORE") == "1" {
		t.Fatal("no python3 with botocore")
	}
	t.Skip("no python3 with botocore")
	return ""
}

// TestCacheUnderBotocore: a long-running botocore program reads
// credentials from `credprocess cache` every 50 ms, with botocore's
// refresh windows and the sets' lives scaled down together (15 and 10
// minutes to 3 and 2 seconds; 12-second sets). botocore calls the
// credential_process again on every read once fewer than its advisory
// window is left, until it gets a set with more; the wrapper moves a set
// on before that, so botocore starts it about once per set, and the
// producer runs once per set.
func TestCacheUnderBotocore(t *testing.T) {
	if testing.Short() {
		t.Skip("reads for 30 seconds")
	}
	if runtime.GOOS == "windows" {
		t.Skip("botocore runs on the Linux side")
	}
	py := botocorePython(t)
	const seconds, life = 30, 12 * time.Second
	tmp := proctest.TempDir(t, "cache-botocore")
	starts := filepath.Join(tmp, "starts")
	env, runs := wrapperEnv(t, "creds", "PRODUCER_LIFE="+life.String(), "WRAPPER_STARTS="+starts)
	exe, _ := os.Executable()
	config := filepath.Join(tmp, "config")
	line := fmt.Sprintf("%s cache --dir %s --window 3s -- %s", exe, filepath.Join(tmp, "shared"), exe)
	if err := os.WriteFile(config, []byte("[profile wrapped]\ncredential_process = "+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/botocore_consumer.py", config, "wrapped", fmt.Sprint(seconds), "3", "2")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore consumer: %v\n%s", err, out)
	}
	sets := seconds/int((life*2/3)/time.Second) + 1 // a set serves its first two thirds
	t.Logf("botocore read credentials %s times in %ds; the wrapper started %d times, the producer ran %d times, for about %d sets",
		strings.TrimSpace(string(out)), seconds, proctest.Runs(t, starts), runs(), sets)
	if n := proctest.Runs(t, starts); n > 2*sets {
		t.Errorf("botocore started the wrapper %d times; want at most %d (two per set)", n, 2*sets)
	}
	if n := runs(); n > sets+1 {
		t.Errorf("producer runs = %d; want at most %d (one per set)", n, sets+1)
	}
}
