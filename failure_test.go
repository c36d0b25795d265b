package credprocess_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestCommandFailureRunsOncePerOperation: an operation whose credential
// command times out runs it once, whatever the retryer, and gets the typed
// error; concurrent operations share that one run; an operation right after
// it gets the same failure without a run of its own.
func TestCommandFailureRunsOncePerOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for timeouts")
	}
	retryers := []struct {
		name string
		new  func() aws.Retryer
	}{
		{"default", nil},
		{"AddWithMaxAttempts(5)", func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 5) }},
		{"adaptive", func() aws.Retryer { return retry.NewAdaptiveMode() }},
	}
	for _, r := range retryers {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			command, count := hangingCommand(t, 0)
			opts := []func(*config.LoadOptions) error{credprocess.WithCredentialProcess(command, func(o *provider.Options) {
				o.Timeout = stuckTimeout
			})}
			if r.new != nil {
				opts = append(opts, config.WithRetryer(r.new))
			}
			client, srv := stsClient(t, opts...)

			const n = 8
			for _, err := range callerIdentities(client, n) {
				var pe *provider.ProcessError
				if !errors.As(err, &pe) || !pe.Timeout() {
					t.Fatalf("GetCallerIdentity() error = %v; want a *provider.ProcessError that timed out", err)
				}
			}
			if got := proctest.Runs(t, count); got != 1 {
				t.Errorf("command ran %d times for %d concurrent operations; want 1", got, n)
			}

			// Moments later, within the backoff: the same failure, no run.
			_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("GetCallerIdentity() right after the failure: error = %v; want the timeout", err)
			}
			if got, sent := proctest.Runs(t, count), srv.Count(); got != 1 || sent != 0 {
				t.Errorf("after a second operation within the backoff: %d runs, %d requests sent; want 1 run and no request", got, sent)
			}
		})
	}
}

// TestCommandFailureCostBesideProcesscreds measures one STS operation whose
// credential command hangs, for this module and for the SDK's processcreds
// in the SDK's cache, with the same timeout and the default retryer: each
// runs the command once, as BENCHMARKS.md reports (run with -v to see the
// figures). More runs of ours mean the retryer retries our timeout; more
// of processcreds' mean the SDK changed and BENCHMARKS.md's comparison is
// out of date.
func TestCommandFailureCostBesideProcesscreds(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for timeouts")
	}
	tests := []struct {
		name string
		opt  func(command string) config.LoadOptionsFunc
		// ours: the error must be our *provider.ProcessError, a timeout.
		ours bool
		// hangFor ends the producer on Windows, where processcreds kills
		// cmd.exe and then waits for the producer, which holds stdout (zero:
		// it hangs for a minute).
		hangFor time.Duration
	}{
		{"credprocess", func(command string) config.LoadOptionsFunc {
			return credprocess.WithCredentialProcess(command, func(o *provider.Options) { o.Timeout = stuckTimeout })
		}, true, 0},
		{"processcreds", func(command string) config.LoadOptionsFunc {
			return config.WithCredentialsProvider(aws.NewCredentialsCache(processcreds.NewProvider(command,
				func(o *processcreds.Options) { o.Timeout = stuckTimeout })))
		}, false, 2 * stuckTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hangFor := time.Duration(0)
			if runtime.GOOS == "windows" {
				hangFor = tt.hangFor
			}
			command, count := hangingCommand(t, hangFor)
			client, srv := stsClient(t, tt.opt(command))
			start := time.Now()
			_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			took := time.Since(start)
			n := proctest.Runs(t, count)
			t.Logf("%s: %d runs in %v: %v", tt.name, n, took.Round(10*time.Millisecond), err)
			if err == nil {
				t.Fatal("GetCallerIdentity() error = nil; want the timeout")
			}
			var pe *provider.ProcessError
			if tt.ours && (!errors.As(err, &pe) || !pe.Timeout()) {
				t.Errorf("GetCallerIdentity() error = %v; want a *provider.ProcessError that timed out", err)
			}
			if n != 1 {
				what := "the retryer retried our timeout"
				if !tt.ours {
					what = "the SDK changed, and BENCHMARKS.md's figure for processcreds is out of date"
				}
				t.Errorf("command ran %d times for one operation; want 1: %s", n, what)
			}
			if sent := srv.Count(); sent != 0 {
				t.Errorf("%d requests sent; want none without credentials", sent)
			}
		})
	}
}
