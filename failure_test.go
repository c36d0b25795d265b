package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// stuckTimeout bounds each run of the hanging command below.
const stuckTimeout = 2 * time.Second

// hangingCommand returns a command line that counts its runs in a new file
// and then hangs until killed, like a producer stuck on a prompt. exec makes
// the sleep the shell itself, so that killing the shell also ends the sleep
// for processcreds, which kills only the process it started.
func hangingCommand(t *testing.T) (command, count string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the command is a POSIX shell line")
	}
	count = filepath.Join(t.TempDir(), "runs")
	return fmt.Sprintf("echo run >>'%s'; exec sleep 60", count), count
}

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
			command, count := hangingCommand(t)
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
	}{
		{"credprocess", func(command string) config.LoadOptionsFunc {
			return credprocess.WithCredentialProcess(command, func(o *provider.Options) { o.Timeout = stuckTimeout })
		}, true},
		{"processcreds", func(command string) config.LoadOptionsFunc {
			return config.WithCredentialsProvider(aws.NewCredentialsCache(processcreds.NewProvider(command,
				func(o *processcreds.Options) { o.Timeout = stuckTimeout })))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			command, count := hangingCommand(t)
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

// stsClient returns an STS client loaded with opts and pointed at a new
// local endpoint, closed with the test.
func stsClient(t *testing.T, opts ...func(*config.LoadOptions) error) (*sts.Client, *awstest.Server) {
	t.Helper()
	srv := awstest.New()
	t.Cleanup(srv.Close)
	cfg, err := config.LoadDefaultConfig(context.Background(), append(endpointOptions(srv), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return sts.NewFromConfig(pointAt(cfg, srv)), srv
}

// callerIdentities makes n GetCallerIdentity calls at once and returns
// their errors.
func callerIdentities(client *sts.Client, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		})
	}
	wg.Wait()
	return errs
}
