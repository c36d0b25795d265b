package shared_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/shared"
)

// childEnv makes the test binary a process that obtains the entry of one
// identity in the store $SHARED_DIR, with a run that appends a line to
// $SHARED_RUNS and takes 300 ms, and prints the key it got. It is read in
// init, before the tests.
const childEnv = "SHARED_TEST_CHILD"

func init() {
	if os.Getenv(childEnv) == "" {
		return
	}
	s, err := shared.Open(os.Getenv("SHARED_DIR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res, err := s.Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test").Obtain(context.Background(), shared.Request{
		Now:     time.Now,
		Timeout: time.Minute,
		Usable:  func(*shared.Entry, time.Time) bool { return true },
		Run: func(context.Context, time.Duration) shared.Outcome {
			f, _ := os.OpenFile(os.Getenv("SHARED_RUNS"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
			fmt.Fprintln(f, os.Getpid())
			f.Close()
			time.Sleep(300 * time.Millisecond)
			return shared.Outcome{Creds: creds(fmt.Sprintf("AKIDPROC%d", os.Getpid()), time.Now().Add(time.Hour)), RefreshAt: time.Now().Add(30 * time.Minute)}
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Print(res.Entry.Creds.AccessKeyID)
	os.Exit(0)
}

// TestTwoProcessesOneRun: two processes that need the entry at once run
// the command once, and both get its set. It runs on Windows too, where
// the lock is LockFileEx's.
func TestTwoProcessesOneRun(t *testing.T) {
	tmp := proctest.TempDir(t, "shared-test")
	dir, runs := filepath.Join(tmp, "cache"), filepath.Join(tmp, "runs")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 2)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), childEnv+"=1", "SHARED_DIR="+dir, "SHARED_RUNS="+runs, "GORACE=atexit_sleep_ms=0")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("process %d: %v: %s", i, err, stderr.String())
			}
			keys[i] = string(out)
		})
	}
	wg.Wait()
	if n := proctest.Runs(t, runs); n != 1 {
		t.Errorf("runs = %d; want 1", n)
	}
	if keys[0] != keys[1] || !strings.HasPrefix(keys[0], "AKIDPROC") {
		t.Errorf("the processes got %q; want one key for both", keys)
	}
}
