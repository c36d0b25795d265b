package credprocess_test

// The credential_process commands the tests run: the producer built from
// testdata/producer, the test binary as a producer, and the shell scripts
// under testdata, each with what it prints and how to count its runs.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// faults is the directory of the fault scripts and documents, relative to
// the package directory, where the tests run.
const faults = "testdata/faults/"

const (
	// faultTimeout is Options.Timeout for runs that are not about the
	// timeout: long enough never to fire on a loaded machine.
	faultTimeout = 10 * time.Second
	// grace is what a run may take beyond its timeout: the kill, the
	// WaitDelay for pipes a grandchild holds, a loaded machine. It tells a
	// killed run from one that waited for its command, nothing finer.
	grace = 10 * time.Second
)

// producerBin is testdata/producer, built once for the package.
var producerBin string

// producerLine is a credential_process value running the producer with key
// id akid, counting runs in count. It ends unquoted: the SDK's parser would
// strip quotes around the whole value.
func producerLine(akid, count string) string {
	return fmt.Sprintf("%q -count %q -key %s -secret %s-secret -token %s-token", producerBin, count, akid, akid, akid)
}

// The credentials benchArgs prints, which the benchmarks' endpoint
// accepts.
const benchKey, benchSecret, benchToken = "AKIDBENCH", "bench-secret", "bench-token"

// benchArgs runs the producer with the credentials the benchmarks'
// endpoint accepts.
func benchArgs(extra ...string) []string {
	return append([]string{producerBin, "-key", benchKey, "-secret", benchSecret, "-token", benchToken}, extra...)
}

// benchLine is benchArgs as a credential_process line for sh -c.
func benchLine(extra ...string) string {
	line := ""
	for _, a := range benchArgs(extra...) {
		line += fmt.Sprintf(" '%s'", a)
	}
	return line[1:]
}

// selfProducerEnv turns the test binary into a credential_process producer,
// so that a test needs no shell script and no build at test time, and runs
// unchanged on Windows. It is read in init, before TestMain. The producer
// appends a line to $PRODUCER_RUNS for each run (with the time and its
// parent's pid, for reading a failure), then prints a set by its
// mode:
//   - fixed: the long-term key $PRODUCER_KEY, with no session token and no
//     Expiration, as a deactivated IAM user's key would come back;
//   - session: a new session per run, key $PRODUCER_KEY followed by the
//     run's number, valid for $PRODUCER_LIFE (default an hour);
//   - fail: exits 1 saying the broker is unavailable.
//
// It takes $PRODUCER_DELAY (a duration) before it prints, as a broker
// does.
const selfProducerEnv = "CREDPROCESS_TEST_PRODUCER"

// init runs the test binary as the selfProducerEnv producer when asked.
func init() {
	mode := os.Getenv(selfProducerEnv)
	if mode == "" {
		return
	}
	runs := os.Getenv("PRODUCER_RUNS")
	f, err := os.OpenFile(runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(f, "run", time.Now().Format("15:04:05.000"), os.Getppid())
	f.Close()
	b, _ := os.ReadFile(runs)
	n := strings.Count(string(b), "\n")
	if d, err := time.ParseDuration(os.Getenv("PRODUCER_DELAY")); err == nil {
		time.Sleep(d)
	}
	if mode == "fail" {
		fmt.Fprintln(os.Stderr, "broker unavailable")
		os.Exit(1)
	}
	life, err := time.ParseDuration(os.Getenv("PRODUCER_LIFE"))
	if err != nil {
		life = time.Hour
	}

	key := os.Getenv("PRODUCER_KEY")
	out := map[string]any{"Version": 1, "AccessKeyId": key, "SecretAccessKey": key + "-secret"}
	if mode == "session" {
		id := fmt.Sprintf("%s%04d", key, n)
		out["AccessKeyId"], out["SecretAccessKey"] = id, id+"-secret"
		out["SessionToken"] = id + "-token"
		out["Expiration"] = time.Now().Add(life).UTC().Format(time.RFC3339Nano)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// selfProducer returns a command line running the test binary as a
// producer in mode, the environment to run it with, and a function counting
// its runs so far.
func selfProducer(t testing.TB, mode, key string, extraEnv ...string) (line string, env []string, runs func() int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(proctest.TempDir(t, "producer"), "runs")
	env = append(os.Environ(),
		selfProducerEnv+"="+mode,
		"PRODUCER_KEY="+key,
		"PRODUCER_RUNS="+count,
		// A race-enabled binary otherwise sleeps a second before it exits.
		"GORACE=atexit_sleep_ms=0",
	)
	env = append(env, extraEnv...)
	return quoteProgram(exe), env, func() int { return proctest.Runs(t, count) }
}

// allowSessions lets srv accept the first n sets selfProducer prints in
// session mode with key prefix.
func allowSessions(srv *awstest.Server, prefix string, n int) {
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s%04d", prefix, i)
		srv.Allow(id, id+"-secret", id+"-token")
	}
}

// producerVars picks selfProducer's own variables out of env.
func producerVars(env []string) []string {
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "PRODUCER_") || strings.HasPrefix(kv, selfProducerEnv+"=") || strings.HasPrefix(kv, "GORACE=") {
			out = append(out, kv)
		}
	}
	return out
}

// quoteProgram quotes a program's path for the system shell.
func quoteProgram(path string) string {
	if runtime.GOOS == "windows" {
		return strconv.Quote(path)
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}

// shellCommand runs a command line with the system shell, as the SDK's
// processcreds does.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd.exe", "/C", line)
	}
	return exec.CommandContext(ctx, "sh", "-c", line)
}

// labelledEnv makes the test binary a producer that prints its secrets to
// stderr in form number $CREDPROCESS_LABELLED of proctest.LabelledSecrets
// (curl -v, aws --debug, STS's XML, presigned URLs). The first run with a
// $LABELLED_STATE directory prints credentials and exits 0; every later
// run, and every run with LABELLED_STATE "-", writes the form to stderr,
// nothing to stdout, and exits 1. It is read in init, before TestMain.
const labelledEnv = "CREDPROCESS_LABELLED"

// init runs the test binary as the labelledEnv producer when asked.
func init() {
	form := os.Getenv(labelledEnv)
	if form == "" {
		return
	}
	if state := os.Getenv("LABELLED_STATE"); state != "-" {
		if _, err := os.Stat(filepath.Join(state, "ran")); errors.Is(err, fs.ErrNotExist) {
			os.WriteFile(filepath.Join(state, "ran"), nil, 0o600) //nolint:errcheck // a second success shows in the test
			fmt.Printf(`{"Version":1,"AccessKeyId":"AKIDFAULTOK","SecretAccessKey":%q,"SessionToken":%q,"Expiration":"2099-01-01T00:00:00Z"}`+"\n",
				faultSecret, faultToken)
			os.Exit(0)
		}
	}
	forms := proctest.LabelledSecrets(faultSecret, faultToken)
	i, err := strconv.Atoi(form)
	if err != nil || i < 0 || i >= len(forms) {
		fmt.Fprintf(os.Stderr, "no labelled form %q\n", form)
		os.Exit(2)
	}
	os.Stderr.WriteString(forms[i].Text)
	os.Exit(1)
}

// labelledCommand is the shell line that runs the test binary as the
// labelledEnv producer of form i with state directory state ("-" for
// none).
func labelledCommand(t *testing.T, i int, state string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A race-enabled binary otherwise sleeps a second before it exits.
	return fmt.Sprintf("GORACE=atexit_sleep_ms=0 %s=%d LABELLED_STATE='%s' '%s'", labelledEnv, i, state, exe)
}

// rotateKey returns the credentials testdata/rotate/rotate.sh prints on its
// nth run.
func rotateKey(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDROTATE%04d", n), "secret" + strconv.Itoa(n), "token" + strconv.Itoa(n)
}

// rotateCommand returns a credential_process line running the rotating
// fixture with its state in a new directory, and a function reporting how
// many times it has run.
func rotateCommand(t testing.TB, same bool) (command string, runs func() int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the rotating fixture is a POSIX shell script")
	}
	script, err := filepath.Abs("testdata/rotate/rotate.sh")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	command = fmt.Sprintf("sh '%s' '%s'", script, state)
	if same {
		command += " same"
	}
	return command, func() int { return proctest.Count(t, filepath.Join(state, "count")) }
}

// flakyCommand returns a credential_process line running
// testdata/faults/flaky.sh with its state in a new directory, whose runs
// print credentials living life (truncated to the second).
func flakyCommand(t testing.TB, life time.Duration) (command, state string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("flaky.sh is a POSIX shell script")
	}
	state = t.TempDir()
	writeFile(t, filepath.Join(state, "life"), fmt.Sprint(int(life.Seconds())))
	return fmt.Sprintf("sh %sflaky.sh '%s'", faults, state), state
}

// flakyRuns returns how many times flaky.sh ran.
func flakyRuns(t testing.TB, state string) int {
	t.Helper()
	return proctest.Count(t, filepath.Join(state, "count"))
}

// flakyExpiry returns the Expiration flaky.sh printed with key akid.
func flakyExpiry(t testing.TB, state, akid string) time.Time {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		n, exp, _ := strings.Cut(strings.TrimSpace(line), " ")
		if fmt.Sprintf("AKIDFLAKY%05s", n) == akid {
			at, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatalf("flaky.sh never printed %s", akid)
	return time.Time{}
}

// flakyKey returns the credentials flaky.sh prints on its nth run.
func flakyKey(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDFLAKY%05d", n), faultSecret, fmt.Sprintf("%s-%d", faultToken, n)
}

// echoAt is the command line of testdata/faults/echo-at.sh failing with the
// secrets at offset at of total bytes of stderr.
func echoAt(at, total int, stdout, stderr string) string {
	return fmt.Sprintf("sh %secho-at.sh - %d %d %s %s", faults, at, total, stdout, stderr)
}

// cutAt is the offset at which echo-at.sh must start its stderr line for
// the secret key (which 0) or the session token (which 1) to run across
// offset cut, 20 bytes of it before the cut.
func cutAt(cut, which int) int {
	at := cut - len("debug: ") - 20
	if which == 1 {
		at -= len(faultSecret) + 1
	}
	return at
}

// stuckTimeout bounds each run of hangingCommand's line.
const stuckTimeout = 2 * time.Second

// hangingCommand returns a command line that counts its runs in a new file
// and then hangs until killed, like a producer stuck on a prompt. exec makes
// the sleep the shell itself, so that killing the shell also ends the sleep
// for processcreds, which kills only the process it started.
func hangingCommand(t *testing.T) (command, count string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the command is a POSIX shell line")
	}
	count = filepath.Join(t.TempDir(), "runs")
	return fmt.Sprintf("echo run >>'%s'; exec sleep 60", count), count
}
