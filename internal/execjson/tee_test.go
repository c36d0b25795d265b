package execjson

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/tee"
)

// TestRunBlockedStderr gives runs a Stderr that never takes a byte, the
// write end of a pipe nobody reads: the run must end as it would without
// one. A hung command times out within its timeout and a grace far shorter
// than the hang; the others, with a minute's timeout, end within the grace.
func TestRunBlockedStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay for each command")
	}
	const grace = 10 * time.Second
	tests := []struct {
		name        string
		cmd         Command
		wantTimeout bool
	}{
		{"prompt then output", selfShell(t, "prompt", "MFA code:"), false},
		{"prompt then hang", selfShell(t, "prompt-hang", "MFA code:"), true},
		{"flood", self(t, "flood-stderr"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := io.Pipe()
			defer r.Close() // unblocks the copy
			tt.cmd.Stderr = w
			bound := grace
			if tt.wantTimeout {
				tt.cmd.Timeout = time.Second
				bound += tt.cmd.Timeout
			}
			done := make(chan error, 1)
			go func() {
				_, err := Run(context.Background(), tt.cmd)
				done <- err
			}()
			select {
			case err := <-done:
				var pe *RunError
				if timedOut := errors.As(err, &pe) && pe.Timeout(); timedOut != tt.wantTimeout || err != nil && !tt.wantTimeout {
					t.Errorf("Run() error = %v; want a timeout: %v", err, tt.wantTimeout)
				}
			case <-time.After(bound):
				r.Close()
				<-done
				t.Fatalf("Run() still running after %v, with a %v timeout", bound, tt.cmd.Timeout)
			}
		})
	}
}

// TestTeeSharedByRuns runs several commands through one tee.Writer whose
// writer blocks, then lets it go: the runs end on their own, the writer
// receives the start of what was written, in order, and the tee keeps no
// goroutine once drained.
func TestTeeSharedByRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay for each run")
	}
	w := &gate{release: make(chan struct{})}
	shared := tee.New(w)
	for i := range 3 {
		c := selfShell(t, "prompt", "run "+strconv.Itoa(i))
		c.Stderr = shared
		if _, err := Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	close(w.release)
	shared.Flush(context.Background(), time.Minute)
	if got, want := w.String(), "run 0\nrun 1\nrun 2\n"; got != want {
		t.Errorf("Stderr received %q; want %q", got, want)
	}
}

// gate is a writer that blocks until release is closed.
type gate struct {
	release chan struct{}
	mu      sync.Mutex // guards buf
	buf     bytes.Buffer
}

func (g *gate) Write(p []byte) (int, error) {
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

func (g *gate) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.String()
}
