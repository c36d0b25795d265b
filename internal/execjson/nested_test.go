package execjson

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// brokerEnv makes the test binary a broker that itself runs a producer
// with this package, as an in-house broker using credprocess does: the
// inner producer is the shell line in $INNER_LINE, run until it ends, with
// the producer behaviour $INNER_PRODUCER if set.
const brokerEnv = "EXECJSON_TEST_BROKER"

func init() {
	if os.Getenv(brokerEnv) == "" {
		return
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, brokerEnv+"=") {
			env = append(env, kv)
		}
	}
	if b := os.Getenv("INNER_PRODUCER"); b != "" {
		env = append(env, producerEnv+"="+b)
	}
	_, err := Run(context.Background(), Command{Shell: os.Getenv("INNER_LINE"), Env: env, Timeout: time.Hour, MaxOutput: 1 << 20})
	fmt.Fprintln(os.Stderr, "inner run:", err)
	os.Exit(1)
}

// waitForPID waits for a whole pid in path, written by a process the run
// started, within proctest.Grace.
func waitForPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(proctest.Grace)
	for !pidWritten(path) {
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s within %v", path, proctest.Grace)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return proctest.ReadPID(t, path)
}

// TestTimeoutEndsNestedTree: a broker that runs its own producer, on Linux
// in a process group of its own, the producer a pipeline; on Windows in a
// Job Object of its own, nested in the outer run's, through cmd.exe. The
// timeout of the outer run ends the broker, its producer and, on Linux,
// both ends of the pipeline, although none of them is in the group of the
// command the outer run started.
func TestTimeoutEndsNestedTree(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a timeout")
	}
	dir := tempDir(t)
	inner := filepath.Join(dir, "inner.pid")
	exe := proctest.CopySelf(t, dir, "broker")
	env := append(os.Environ(), brokerEnv+"=1", quickExit)
	timeout := 2 * time.Second
	switch runtime.GOOS {
	case "linux":
		env = append(env, "INNER_LINE=printf %s $$ >'"+inner+"'; sleep 300 | sleep 301")
	case "windows":
		// Long enough for the broker and its producer to start under Wine
		// on a loaded machine.
		timeout = 5 * time.Second
		env = append(env, "INNER_LINE="+quoteLine(exe, "hang"), "INNER_PRODUCER=record", "PIDFILE="+inner)
	default:
		t.Skip("a nested group is ended on Linux only")
	}
	_, err := Run(context.Background(), Command{Args: []string{exe}, Env: env, Timeout: timeout, MaxOutput: 1 << 20})
	if pe, ok := err.(*RunError); !ok || !pe.Timeout() {
		t.Fatalf("Run() error = %v; want the timeout", err)
	}
	if runtime.GOOS == "windows" {
		recordedGone(t, inner, 1)
		return
	}
	// The inner shell leads the inner group: the pipeline's processes are
	// its members.
	proctest.GroupGone(t, waitForPID(t, inner))
}
