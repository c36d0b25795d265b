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
// in a session of its own (an agent) is left running by the timeout. A
// Windows daemon cannot leave the run's Job Object: see
// TestTimeoutEndsDetachedDaemon.
func TestTimeoutLeavesSetsidDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 2-second timeout")
	}
	dir := tempDir(t)
	pidfile := filepath.Join(dir, "daemon.pid")
	exe := proctest.CopySelf(t, dir, "producer")
	_, err := Run(context.Background(), Command{
		Args:    []string{exe},
		Env:     append(os.Environ(), daemonEnv+"=1", "PIDFILE="+pidfile, quickExit),
		Timeout: 2 * time.Second, MaxOutput: 1 << 20,
	})
	if pe, ok := err.(*RunError); !ok || !pe.Timeout() {
		t.Fatalf("Run() error = %v; want the timeout", err)
	}
	pid := waitForPID(t, pidfile)
	defer syscall.Kill(pid, syscall.SIGKILL) //nolint:errcheck // the test's own cleanup
	if !proctest.Alive(pid) {
		t.Errorf("the setsid daemon %d was killed; want it left running", pid)
	}
}
