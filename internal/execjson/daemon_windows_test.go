package execjson

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// detachedEnv makes the test binary a producer that starts a daemon as a
// Windows agent does, without a console and in a process group of its own:
// first asking to break away from its job, which must be refused, and then
// without. It writes the daemon's pid to $PIDFILE, and what came of the
// breakaway to $PIDFILE.breakaway ("refused", or the pid of a daemon that
// broke away), and hangs. With detachedEnv=child it is the daemon, which
// sleeps.
const detachedEnv = "EXECJSON_TEST_DETACHED"

func init() {
	switch os.Getenv(detachedEnv) {
	case "":
		return
	case "child":
		time.Sleep(time.Hour)
		os.Exit(0)
	}
	pidfile := os.Getenv("PIDFILE")
	start := func(flags uint32) (*exec.Cmd, error) {
		exe, _ := os.Executable()
		d := exec.Command(exe)
		d.Env = append(os.Environ(), detachedEnv+"=child")
		d.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP | flags}
		return d, d.Start()
	}
	breakaway := "refused"
	switch d, err := start(windows.CREATE_BREAKAWAY_FROM_JOB); {
	case err == nil:
		breakaway = strconv.Itoa(d.Process.Pid)
	case !errors.Is(err, windows.ERROR_ACCESS_DENIED):
		breakaway = err.Error()
	}
	os.WriteFile(pidfile+".breakaway", []byte(breakaway), 0o600) //nolint:errcheck // the test waits for it
	d, err := start(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.WriteFile(pidfile, []byte(strconv.Itoa(d.Process.Pid)), 0o600) //nolint:errcheck // the test waits for it
	time.Sleep(time.Hour)
	os.Exit(0)
}

// TestTimeoutEndsDetachedDaemon: a daemon the producer started on purpose
// (an agent) cannot leave the run's Job Object, and the timeout ends it
// with the producer; on Linux, TestTimeoutLeavesSetsidDaemon.
func TestTimeoutEndsDetachedDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 5-second timeout")
	}
	dir := tempDir(t)
	pidfile := filepath.Join(dir, "daemon.pid")
	exe := proctest.CopySelf(t, dir, "producer")
	_, err := Run(context.Background(), Command{
		Args:    []string{exe},
		Env:     append(os.Environ(), detachedEnv+"=1", "PIDFILE="+pidfile),
		Timeout: 5 * time.Second, MaxOutput: 1 << 20,
	})
	if pe, ok := err.(*RunError); !ok || !pe.Timeout() {
		t.Fatalf("Run() error = %v; want the timeout", err)
	}
	b, _ := os.ReadFile(pidfile + ".breakaway")
	if got := string(b); got != "refused" {
		if pid, err := strconv.Atoi(got); err == nil {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill() //nolint:errcheck // the test's own cleanup
			}
		}
		t.Errorf("breakaway from the job: %q; want it refused", got)
	}
	proctest.ProcessGone(t, proctest.ReadPID(t, pidfile))
}
