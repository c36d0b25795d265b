package provider_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// brokerDown is the failure of a producer whose broker does not answer.
func brokerDown() error {
	return &provider.ProcessError{Program: "fake-producer", ExitCode: 1, Stderr: "broker unavailable"}
}

// slowProducer prints a new key on every run after taking its time, and
// records how many of its runs overlapped.
type slowProducer struct {
	takes, life time.Duration

	mu   sync.Mutex // guards the fields below
	ran  []time.Time
	now  int // runs under way
	most int // the most runs that were under way at once
}

func (p *slowProducer) run(context.Context) ([]byte, error) {
	p.mu.Lock()
	p.ran = append(p.ran, time.Now())
	n := len(p.ran)
	p.now++
	p.most = max(p.most, p.now)
	p.mu.Unlock()
	time.Sleep(p.takes)
	p.mu.Lock()
	p.now--
	p.mu.Unlock()
	return credsJSON(fmt.Sprintf("AKIDSLOW%04d", n), time.Now().Add(p.life)), nil
}

// runs returns when each run started, and the most that overlapped.
func (p *slowProducer) runs() ([]time.Time, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.ran...), p.most
}

// TestFailureIsSharedThenBackedOff: callers waiting on a run that fails all
// get its typed error from that one run; callers that come within the
// backoff get the same error without a run; the first caller after it
// runs the command again.
func TestFailureIsSharedThenBackedOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &producer{next: func(time.Time) ([]byte, error) {
			time.Sleep(2 * time.Second)
			return nil, brokerDown()
		}}
		c, _ := provider.NewWithRunner(p.run)
		start := time.Now()
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = c.Retrieve(context.Background()) })
		}
		wg.Wait()
		for _, err := range errs {
			var pe *provider.ProcessError
			if !errors.As(err, &pe) || pe.Stderr != "broker unavailable" {
				t.Fatalf("Retrieve() error = %v; want the *ProcessError", err)
			}
		}
		if got := p.runs(); got != 1 {
			t.Fatalf("runs for %d waiting callers = %d; want 1", n, got)
		}
		failedAt := time.Now()
		if failedAt.Sub(start) != 2*time.Second {
			t.Errorf("the failure reached the callers after %v; want the run's 2s", failedAt.Sub(start))
		}

		time.Sleep(provider.FailureBackoff - time.Nanosecond)
		_, err := c.Retrieve(context.Background())
		if !errors.As(err, new(*provider.ProcessError)) || p.runs() != 1 {
			t.Errorf("within the backoff: Retrieve() error = %v after %d runs; want the failure from 1 run", err, p.runs())
		}
		if time.Since(failedAt) != provider.FailureBackoff-time.Nanosecond {
			t.Errorf("a caller within the backoff waited %v; want no wait", time.Since(failedAt)-provider.FailureBackoff+time.Nanosecond)
		}
		time.Sleep(time.Nanosecond)
		c.Retrieve(context.Background())
		if got := p.runs(); got != 2 {
			t.Errorf("runs once the backoff passed = %d; want 2", got)
		}
	})
}

// TestFailingCommandIsNotRunInALoop: four goroutines asking in a loop for
// ten seconds, with a command that always fails at once, run it once per
// backoff.
func TestFailingCommandIsNotRunInALoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &producer{next: func(time.Time) ([]byte, error) { return nil, brokerDown() }}
		c, _ := provider.NewWithRunner(p.run)
		start := time.Now()
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for time.Since(start) < 10*time.Second {
					if _, err := c.Retrieve(context.Background()); !errors.As(err, new(*provider.ProcessError)) {
						t.Errorf("Retrieve() error = %v; want the *ProcessError", err)
						return
					}
					time.Sleep(time.Millisecond)
				}
			})
		}
		wg.Wait()
		if got, most := p.runs(), int(10*time.Second/provider.FailureBackoff)+1; got > most {
			t.Errorf("runs in 10s = %d; want at most %d, one per backoff", got, most)
		}
	})
}

// TestRunFailureIsNotRetryable: the SDK's retryers, which retry an error
// that says it timed out, do not retry a failed run, timeout or not, so an
// operation runs the command once.
func TestRunFailureIsNotRetryable(t *testing.T) {
	failures := map[string]error{
		"exit 1":   brokerDown(),
		"timeout":  fmt.Errorf("credential_process: %w", context.DeadlineExceeded),
		"bad JSON": nil, // from the parser
	}
	retryers := map[string]aws.RetryerV2{
		"standard":              retry.NewStandard(),
		"AddWithMaxAttempts(5)": retry.AddWithMaxAttempts(retry.NewStandard(), 5).(aws.RetryerV2),
		"adaptive":              retry.NewAdaptiveMode(),
	}
	for name, fail := range failures {
		c, _ := provider.NewWithRunner(func(context.Context) ([]byte, error) {
			if fail == nil {
				return []byte("not JSON"), nil
			}
			return nil, fail
		})
		_, err := c.Retrieve(context.Background())
		if err == nil {
			t.Fatalf("%s: Retrieve() error = nil", name)
		}
		if fail != nil && !errors.Is(err, fail) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Retrieve() error = %v; want it to wrap %v", name, err, fail)
		}
		for rname, r := range retryers {
			if r.IsErrorRetryable(err) {
				t.Errorf("%s: %s retryer: IsErrorRetryable(%v) = true; want false", name, rname, err)
			}
		}
	}
}

// TestIdleTimerAndRequestRunOnce: with RefreshWhenIdle and steady
// traffic, the timer and a request that come at the same refresh moment
// share one run.
func TestIdleTimerAndRequestRunOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &slowProducer{takes: 2 * time.Second, life: 10 * time.Second}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) { o.RefreshWhenIdle = true })
		start := time.Now()
		for time.Since(start) < 25*time.Second {
			mustRetrieve(t, c)
			time.Sleep(100 * time.Millisecond)
		}
		provider.Stop(prov)
		provider.WaitBackground(prov)
		ran, most := p.runs()
		if most != 1 {
			t.Errorf("runs at once = %d; want 1", most)
		}
		// Each set expires 10 seconds after its 2-second run ended.
		want := []time.Duration{0, 12 * time.Second, 24 * time.Second}
		if got := since(start, ran); !slicesEqual(got, want) {
			t.Errorf("runs started at %v; want %v", got, want)
		}
	})
}

// TestLastSecondsWaitForTheBackgroundRun: a background run still under way
// when the last seconds before expiry begin is waited for, not joined by a
// second run.
func TestLastSecondsWaitForTheBackgroundRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &slowProducer{takes: 20 * time.Second, life: time.Hour}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.Func(func(exp, _ time.Time) time.Time { return exp.Add(-10 * time.Second) })
		})
		first := mustRetrieve(t, c) // cached until 10s before expiry
		exp := first.Expires.Add(10 * time.Second)
		time.Sleep(time.Until(exp.Add(-10 * time.Second)))
		for time.Now().Before(exp) {
			got := mustRetrieve(t, c)
			if !got.Expires.After(time.Now()) {
				t.Fatalf("served %s after it expired", got.AccessKeyID)
			}
			time.Sleep(100 * time.Millisecond)
		}
		synctest.Wait()
		provider.WaitBackground(prov)
		ran, most := p.runs()
		if most != 1 || len(ran) != 2 {
			t.Errorf("%d runs, %d at once; want 2 runs, one at a time", len(ran), most)
		}
	})
}

func since(start time.Time, ts []time.Time) []time.Duration {
	var d []time.Duration
	for _, t := range ts {
		d = append(d, t.Sub(start))
	}
	return d
}

func slicesEqual(a, b []time.Duration) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
