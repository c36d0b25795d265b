package execjson

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// The commands below would run for a minute; the bound asserted is the
// timeout plus a grace period far shorter than that, which tells a killed
// run from one that waited for the command. On Linux they are sh lines
// whose shell records its group; on Windows cmd.exe lines whose producers
// (see record) record their pids.
func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	const grace = 10 * time.Second
	type hung struct {
		name string
		line string
		pids int // on Windows, the producers to wait for
	}
	var tests []hung
	timeout := 300 * time.Millisecond
	switch runtime.GOOS {
	case "linux":
		tests = []hung{
			{"hung command", `echo $$ > "$PIDFILE"; sleep 60`, 0},
			{"grandchild holds stdout", `echo $$ > "$PIDFILE"; sleep 60 & wait`, 0},
			{"exec of the last command", `echo $$ > "$PIDFILE"; exec sleep 60`, 0},
			{"drips output slowly", `echo $$ > "$PIDFILE"; while :; do printf '{'; sleep 0.1; done`, 0},
		}
	case "windows":
		// Long enough for the producers to start under Wine on a loaded
		// machine.
		timeout = 5 * time.Second
		p := quoteLine(proctest.CopySelf(t, tempDir(t), "producer"))
		tests = []hung{
			{"grandchild holds stdout", `start /b "" ` + p + ` hang & ` + p + ` await 2 hang`, 2},
			{"cmd.exe drips output slowly", `for /l %i in (1,0,2) do @` + p + ` drip`, 1},
		}
	default:
		t.Skip("process groups are checked through /proc")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "grandchild holds stdout" && testing.Short() {
				t.Skip("waits out the timeout; -short keeps the grandchild")
			}
			pidfile := filepath.Join(tempDir(t), "pid")
			c := shell(tt.line)
			c.Env = append(os.Environ(), "PIDFILE="+pidfile, producerEnv+"=record", quickExit)
			c.Timeout = timeout
			start := time.Now()
			_, err := Run(context.Background(), c)
			elapsed := time.Since(start)

			var pe *RunError
			if !errors.As(err, &pe) || !pe.Timeout() || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Run() error = %v; want a *RunError that is a timeout and context.DeadlineExceeded", err)
			}
			if elapsed > timeout+grace {
				t.Errorf("Run() took %v; want under %v", elapsed, timeout+grace)
			}
			if runtime.GOOS == "windows" {
				recordedGone(t, pidfile, tt.pids)
				return
			}
			proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
		})
	}
}

// TestRunStragglerAfterSuccess covers a command that prints its output and
// exits 0 while a background child keeps stdout open: on Linux a sh job,
// on Windows a producer cmd.exe started with start /b.
func TestRunStragglerAfterSuccess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay")
	}
	pidfile := filepath.Join(tempDir(t), "pid")
	var c Command
	switch runtime.GOOS {
	case "linux":
		c = shell(`echo $$ > "$PIDFILE"; sleep 60 & echo '{"ok":1}'`)
	case "windows":
		p := quoteLine(proctest.CopySelf(t, tempDir(t), "producer"))
		c = shell(`start /b "" ` + p + ` hang & ` + p + ` await 2 print`)
	default:
		t.Skip("process groups are checked through /proc")
	}
	c.Env = append(os.Environ(), "PIDFILE="+pidfile, producerEnv+"=record", quickExit)
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != `{"ok":1}` {
		t.Errorf("stdout = %q", got)
	}
	if runtime.GOOS == "windows" {
		recordedGone(t, pidfile, 2)
		return
	}
	proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
}
