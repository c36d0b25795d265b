package credprocess_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

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
