package execjson

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// TestRunStragglerAfterFailure covers commands that exit non-zero at once
// while a background child keeps stderr open: the run reports the exit
// status, not a timeout, and ends the child. On Linux the child is a sh
// job, on Windows a producer cmd.exe started with start /b.
func TestRunStragglerAfterFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay and a 1-second timeout")
	}
	type straggler struct {
		name     string
		line     string
		timeout  time.Duration
		wantExit int
	}
	var tests []straggler
	switch runtime.GOOS {
	case "linux":
		tests = []straggler{
			{"child execs a sleep", `echo $$ > "$PIDFILE"; sh -c 'exec sleep 300' & exit 1`, time.Minute, 1},
			// The timeout ends while the run waits for the child's pipes:
			// the command had exited by then, on its own. (Under Wine a
			// start takes too long to aim a timeout at that second.)
			{"timeout while waiting for the child", `echo $$ > "$PIDFILE"; sleep 300 & exit 3`, time.Second, 3},
		}
	case "windows":
		p := quoteLine(proctest.CopySelf(t, tempDir(t), "producer"))
		tests = []straggler{
			{"child started with start /b", `start /b "" ` + p + ` hang & ` + p + ` await 2 exit 1`, time.Minute, 1},
		}
	default:
		t.Skip("process groups are checked through /proc")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(tempDir(t), "pid")
			c := shell(tt.line)
			c.Env = append(os.Environ(), "PIDFILE="+pidfile, producerEnv+"=record", quickExit)
			c.Timeout = tt.timeout
			_, err := Run(context.Background(), c)
			if runtime.GOOS != "windows" {
				if pgid := proctest.ReadPID(t, pidfile); pgid > 0 {
					t.Cleanup(func() { killGroupOf(pgid) }) // if the run left it running
				}
			}
			var pe *RunError
			if !errors.As(err, &pe) || pe.ExitCode != tt.wantExit || pe.Timeout() {
				t.Fatalf("Run() error = %v; want exit status %d, not a timeout", err, tt.wantExit)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, context.DeadlineExceeded) = true; want false", err)
			}
			if runtime.GOOS == "windows" {
				recordedGone(t, pidfile, 2)
				return
			}
			proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
		})
	}
}
