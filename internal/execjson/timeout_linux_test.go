package execjson

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// The commands below would run for a minute; the bound asserted is the
// timeout plus a grace period far shorter than that, which tells a killed
// run from one that waited for the command.
func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	const timeout = 300 * time.Millisecond
	const grace = 10 * time.Second
	tests := []struct {
		name string
		line string
	}{
		{"hung command", `echo $$ > "$PIDFILE"; sleep 60`},
		{"grandchild holds stdout", `echo $$ > "$PIDFILE"; sleep 60 & wait`},
		{"exec of the last command", `echo $$ > "$PIDFILE"; exec sleep 60`},
		{"drips output slowly", `echo $$ > "$PIDFILE"; while :; do printf '{'; sleep 0.1; done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "grandchild holds stdout" && testing.Short() {
				t.Skip("waits out the timeout; -short keeps the grandchild")
			}
			pidfile := filepath.Join(t.TempDir(), "pid")
			c := shell(tt.line)
			c.Env = append(os.Environ(), "PIDFILE="+pidfile)
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
			pid := proctest.ReadPID(t, pidfile)
			proctest.GroupGone(t, pid)
		})
	}
}

// TestRunStragglerAfterSuccess covers a command that prints its output and
// exits 0 while a background child keeps stdout open.
func TestRunStragglerAfterSuccess(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay")
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	c := shell(`echo $$ > "$PIDFILE"; sleep 60 & echo '{"ok":1}'`)
	c.Env = append(os.Environ(), "PIDFILE="+pidfile)
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != `{"ok":1}` {
		t.Errorf("stdout = %q", got)
	}
	proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
}
