package provider_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/provider"
)

// returned is a functional bound on a Retrieve that should return at once
// or at its 1-second timeout: it catches a Retrieve that never returns, not
// a slow machine.
const returned = 30 * time.Second

// retrieveWithin calls Retrieve and fails t if it does not return within
// the bound.
func retrieveWithin(t *testing.T, c *aws.CredentialsCache) (aws.Credentials, error) {
	t.Helper()
	type result struct {
		creds aws.Credentials
		err   error
	}
	done := make(chan result, 1)
	go func() {
		creds, err := c.Retrieve(context.Background())
		done <- result{creds, err}
	}()
	select {
	case r := <-done:
		return r.creds, r.err
	case <-time.After(returned):
		t.Fatalf("Retrieve did not return within %v", returned)
		return aws.Credentials{}, nil
	}
}

// TestStdinThatBlocks: an Options.Stdin that is not a file and whose Read
// blocks (an io.Pipe through which a GUI forwards an MFA code) holds up no
// run. A producer that does not read it returns its credentials; one that
// hangs returns the timeout error, and the next caller is answered too.
// TestMain checks that no goroutine is left once the pipe is closed.
func TestStdinThatBlocks(t *testing.T) {
	tests := []struct {
		behaviour string
		wantKey   string // "" for the timeout error
	}{
		{"creds", "AKIDSTDINBLOCKS"},
		{"hang", ""},
	}
	for _, tt := range tests {
		t.Run(tt.behaviour, func(t *testing.T) {
			if tt.wantKey == "" && testing.Short() {
				t.Skip("waits out a 1-second timeout")
			}
			exe, runs := portableProducer(t, tt.behaviour, "AKIDSTDINBLOCKS", nil)
			stdin, typing := io.Pipe()
			defer typing.Close()
			c := provider.NewArgs([]string{exe}, func(o *provider.Options) {
				o.Stdin = stdin
				o.Timeout = time.Second
			})

			for i := range 2 {
				got, err := retrieveWithin(t, c)
				if tt.wantKey != "" {
					if err != nil || got.AccessKeyID != tt.wantKey {
						t.Fatalf("Retrieve %d = %s, %v; want %s", i+1, got.AccessKeyID, err, tt.wantKey)
					}
					continue
				}
				var pe *provider.ProcessError
				if !errors.As(err, &pe) || !pe.Timeout() {
					t.Fatalf("Retrieve %d error = %v; want the timeout", i+1, err)
				}
			}
			if n := runs(); n != 1 {
				t.Errorf("producer runs = %d; want 1", n)
			}
		})
	}
}

// TestStdinReachesTheRunThatReads: what is written to a non-file Stdin
// reaches the producer that reads it, and a line written while no run is
// under way is kept for the next run rather than lost: the line typed
// after a run ended is the next run's MFA code.
func TestStdinReachesTheRunThatReads(t *testing.T) {
	exe, runs := portableProducer(t, "read", "AKIDSTDIN", nil)
	stdin, typing := io.Pipe()
	defer typing.Close()
	c := provider.NewArgs([]string{exe}, func(o *provider.Options) {
		o.Stdin = stdin
		o.Timeout = returned
	})

	go typing.Write([]byte("111111\n")) //nolint:errcheck // the run reports what it read
	if got, err := retrieveWithin(t, c); err != nil || got.AccessKeyID != "AKIDSTDIN111111" {
		t.Fatalf("first Retrieve = %s, %v; want AKIDSTDIN111111", got.AccessKeyID, err)
	}
	// Typed with no run under way: the provider's reader is not reading,
	// so the line waits in the pipe for the next run.
	go typing.Write([]byte("222222\n")) //nolint:errcheck // as above
	c.Invalidate()
	if got, err := retrieveWithin(t, c); err != nil || got.AccessKeyID != "AKIDSTDIN222222" {
		t.Fatalf("second Retrieve = %s, %v; want AKIDSTDIN222222", got.AccessKeyID, err)
	}
	if n := runs(); n != 2 {
		t.Errorf("producer runs = %d; want 2", n)
	}
}
