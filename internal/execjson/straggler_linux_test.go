package execjson

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// TestRunStragglerAfterFailure covers commands that exit non-zero at once
// while a background child keeps stderr open: the run reports the exit
// status, not a timeout, and ends the child.
func TestRunStragglerAfterFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay and a 1-second timeout")
	}
	tests := []struct {
		name     string
		line     string
		timeout  time.Duration
		wantExit int
	}{
		{"child execs a sleep", `echo $$ > "$PIDFILE"; sh -c 'exec sleep 300' & exit 1`, time.Minute, 1},
		// The timeout ends while the run waits for the child's pipes: the
		// command had exited by then, on its own.
		{"timeout while waiting for the child", `echo $$ > "$PIDFILE"; sleep 300 & exit 3`, time.Second, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			c := shell(tt.line)
			c.Env = append(os.Environ(), "PIDFILE="+pidfile)
			c.Timeout = tt.timeout
			_, err := Run(context.Background(), c)
			pgid := proctest.ReadPID(t, pidfile)
			if pgid > 0 {
				t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) }) // if the run left it running
			}
			var pe *RunError
			if !errors.As(err, &pe) || pe.ExitCode != tt.wantExit || pe.Timeout() {
				t.Fatalf("Run() error = %v; want exit status %d, not a timeout", err, tt.wantExit)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) = true; want false", err)
			}
			proctest.GroupGone(t, pgid)
		})
	}
}
