package provider_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/provider"
)

// TestBlockedStderr sets Options.Stderr to the write end of a pipe nobody
// reads. Every caller waiting on the cache must get its answer as it would
// without the copy: credentials from a command that prints them (with a
// minute's timeout, within the grace), a timeout within a one-second
// Timeout and the grace, far shorter than the hang, from one that hangs.
func TestBlockedStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay and a 1-second timeout")
	}
	const (
		timeout = time.Second
		grace   = 10 * time.Second
		callers = 8
	)
	exp := time.Now().Add(time.Hour)
	tests := []struct {
		name        string
		spec        helperSpec
		wantTimeout bool
	}{
		{"prompt then output", helperSpec{Stderr: "MFA code:\n", Stdout: string(credsJSON("AKIDBLOCKED00001", exp))}, false},
		{"prompt then hang", helperSpec{Stderr: "MFA code:\n", Sleep: time.Minute}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := io.Pipe()
			defer r.Close() // unblocks the copy
			bound, runTimeout := grace, time.Minute
			if tt.wantTimeout {
				runTimeout = timeout
				bound += timeout
			}
			cache := provider.New(quoted(helper(t, tt.spec)), func(o *provider.Options) {
				o.Stderr, o.Timeout = w, runTimeout
			})
			errs := make(chan error, callers)
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					_, err := cache.Retrieve(context.Background())
					errs <- err
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(bound):
				r.Close()
				<-done
				t.Fatalf("Retrieve still waiting after %v with a %v timeout", bound, runTimeout)
			}
			close(errs)
			for err := range errs {
				var pe *provider.ProcessError
				if timedOut := errors.As(err, &pe) && pe.Timeout(); timedOut != tt.wantTimeout || err != nil && !tt.wantTimeout {
					t.Errorf("Retrieve() error = %v; want a timeout: %v", err, tt.wantTimeout)
				}
			}
		})
	}
}
