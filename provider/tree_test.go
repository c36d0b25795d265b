package provider_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestTimeoutEndsTheTree: a producer run through the system shell that
// starts a child holding stdout and stderr open, and then hangs, is ended
// at the timeout with its child: Retrieve returns the timeout within a
// grace, and neither process outlives the run (sh's process group is
// killed on Unix, cmd.exe's Job Object on Windows).
func TestTimeoutEndsTheTree(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a timeout sized for Wine")
	}
	// Ten times what the producer takes under Wine to start its child and
	// record both pids; the bound below is what tells a killed run from
	// one that runs the hour.
	const timeout = 2 * time.Second
	const grace = 15 * time.Second
	pids := filepath.Join(proctest.TempDir(t, "provider-test"), "pids")
	exe := helper(t, helperSpec{PIDs: pids, Sleep: time.Hour})
	c := provider.New(quoted(exe), func(o *provider.Options) { o.Timeout = timeout })
	start := time.Now()
	_, err := c.Retrieve(context.Background())
	if elapsed := time.Since(start); elapsed > timeout+grace {
		t.Errorf("Retrieve() returned after %v; want under %v", elapsed, timeout+grace)
	}
	var pe *provider.ProcessError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &pe) || !pe.Timeout() {
		t.Errorf("Retrieve() error = %v; want a *provider.ProcessError for the timeout", err)
	}
	got := proctest.ReadPIDs(t, pids)
	if len(got) != 2 {
		t.Fatalf("pids recorded = %v; want the producer's and its child's", got)
	}
	for _, pid := range got {
		proctest.ProcessGone(t, pid)
	}
}
