package provider

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// Provider is the provider inside a cache, for the tests to reach through
// the hooks below.
type Provider = provider

// NewWithRunner returns a cache over a provider whose command is replaced by
// run, which returns what the command would print on stdout. The output
// still goes through parsing, the strategy and the cache hooks.
func NewWithRunner(run func(context.Context) ([]byte, error), optFns ...func(*Options)) (*aws.CredentialsCache, *Provider) {
	p := newProvider(execjson.Command{Shell: "fake-producer --secret-arg"}, optFns)
	p.run = func(ctx context.Context, _ execjson.Command) (execjson.Result, error) {
		out, err := run(ctx)
		return execjson.Result{Stdout: out}, err
	}
	return newCache(p), p
}

// SetClock replaces the provider's clock.
func SetClock(p *Provider, now func() time.Time) { p.now = now }

// RefreshAt reports the moment the held set stops being served.
func RefreshAt(p *Provider) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st.set == nil {
		return time.Time{}
	}
	return p.st.next()
}

// WaitBackground waits for background runs of p to end.
func WaitBackground(p *Provider) { p.background.Wait() }

// Stop disarms p's RefreshWhenIdle timer, as the cache's collection would.
func Stop(p *Provider) { p.stop() }

// Stopped reports whether the RefreshWhenIdle timer of p is gone: its
// cache was collected, or p never had one.
func Stopped(p *Provider) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idle == nil
}

// FailureBackoff is how long a failed run is returned to callers before the
// command runs again, while no valid credentials are held.
const FailureBackoff = failureBackoff
