package execjson

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// brokerEnv makes the test binary a broker that itself runs a producer
// with this package, as an in-house broker using credprocess does: the
// inner producer is the shell line in $INNER_LINE, run until it ends.
const brokerEnv = "EXECJSON_TEST_BROKER"

func init() {
	if os.Getenv(brokerEnv) == "" {
		return
	}
	_, err := Run(context.Background(), Command{Shell: os.Getenv("INNER_LINE"), Timeout: time.Hour, MaxOutput: 1 << 20})
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

// TestTimeoutEndsNestedTree: a broker that runs its own producer in a
// process group of its own, the producer a pipeline: the timeout of the
// outer run ends the broker, its producer and both ends of the pipeline,
// although none of them is in the group of the command the outer run
// started.
func TestTimeoutEndsNestedTree(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 2-second timeout")
	}
	dir := tempDir(t)
	inner := filepath.Join(dir, "inner.pid")
	exe := proctest.CopySelf(t, dir, "broker")
	_, err := Run(context.Background(), Command{
		Args: []string{exe},
		Env: append(os.Environ(), brokerEnv+"=1", "GORACE=atexit_sleep_ms=0",
			"INNER_LINE=printf %s $$ >'"+inner+"'; sleep 300 | sleep 301"),
		Timeout: 2 * time.Second, MaxOutput: 1 << 20,
	})
	if pe, ok := err.(*RunError); !ok || !pe.Timeout() {
		t.Fatalf("Run() error = %v; want the timeout", err)
	}
	// The inner shell leads the inner group: the pipeline's processes are
	// its members.
	proctest.GroupGone(t, waitForPID(t, inner))
}

// daemonEnv makes the test binary a producer that starts a daemon in a
// session of its own (setsid), writes the daemon's pid to $PIDFILE and
// hangs; with daemonEnv=child it is that daemon, which sleeps.
const daemonEnv = "EXECJSON_TEST_DAEMON"

func init() {
	switch os.Getenv(daemonEnv) {
	case "":
		return
	case "child":
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	exe, _ := os.Executable()
	d := exec.Command(exe)
	d.Env = append(os.Environ(), daemonEnv+"=child")
	d.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := d.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.WriteFile(os.Getenv("PIDFILE"), []byte(strconv.Itoa(d.Process.Pid)), 0o600) //nolint:errcheck // the test waits for it
	time.Sleep(time.Hour)
	os.Exit(0)
}

// TestTimeoutLeavesSetsidDaemon: a daemon the producer started on purpose
// in a session of its own (an agent) is left running by the timeout.
func TestTimeoutLeavesSetsidDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 2-second timeout")
	}
	dir := tempDir(t)
	pidfile := filepath.Join(dir, "daemon.pid")
	exe := proctest.CopySelf(t, dir, "producer")
	_, err := Run(context.Background(), Command{
		Args:    []string{exe},
		Env:     append(os.Environ(), daemonEnv+"=1", "PIDFILE="+pidfile, "GORACE=atexit_sleep_ms=0"),
		Timeout: 2 * time.Second, MaxOutput: 1 << 20,
	})
	if pe, ok := err.(*RunError); !ok || !pe.Timeout() {
		t.Fatalf("Run() error = %v; want the timeout", err)
	}
	pid := waitForPID(t, pidfile)
	defer syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // the test's own cleanup
	if !processAlive(pid) {
		t.Errorf("the setsid daemon %d was killed; want it left running", pid)
	}
}
