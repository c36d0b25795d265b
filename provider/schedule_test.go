package provider_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

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

// TestStrategyMomentIsHonoured: a moment later than the fetch is honoured
// as given, however short-lived the set; one at or before the fetch is
// raised to the floor, so a strategy that returns the zero time or now
// does not run the command more than once per floor interval.
func TestStrategyMomentIsHonoured(t *testing.T) {
	t.Run("8s credentials refreshed 5s before expiry", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			p := &slowProducer{life: 8 * time.Second}
			c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
				o.Strategy = strategy.Func(func(exp, _ time.Time) time.Time { return exp.Add(-5 * time.Second) })
			})
			start := time.Now()
			if got := mustRetrieve(t, c); got.Expires.Sub(start) != 3*time.Second {
				t.Errorf("cached Expires = fetch + %v; want fetch + 3s", got.Expires.Sub(start))
			}
			for time.Since(start) < 5*time.Second {
				mustRetrieve(t, c)
				time.Sleep(100 * time.Millisecond)
			}
			provider.WaitBackground(prov)
			if ran, _ := p.runs(); len(ran) < 2 || ran[1].Sub(start) != 3*time.Second {
				t.Errorf("runs started at %v; want the second at 3s", since(start, ran))
			}
		})
	})
	floors := []struct {
		name  string
		at    func(exp, now time.Time) time.Time
		life  time.Duration
		floor time.Duration
	}{
		{"zero time, 8s credentials", func(_, _ time.Time) time.Time { return time.Time{} }, 8 * time.Second, 800 * time.Millisecond},
		{"now, 8s credentials", func(_, now time.Time) time.Time { return now }, 8 * time.Second, 800 * time.Millisecond},
		{"now, 1h credentials", func(_, now time.Time) time.Time { return now }, time.Hour, 5 * time.Second},
		{"an hour ago, 1h credentials", func(_, now time.Time) time.Time { return now.Add(-time.Hour) }, time.Hour, 5 * time.Second},
	}
	for _, tt := range floors {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &slowProducer{life: tt.life}
				c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) { o.Strategy = strategy.Func(tt.at) })
				start := time.Now()
				if got := mustRetrieve(t, c); got.Expires.Sub(start) != tt.floor {
					t.Errorf("cached Expires = fetch + %v; want fetch + %v", got.Expires.Sub(start), tt.floor)
				}
				for time.Since(start) < 20*tt.floor {
					mustRetrieve(t, c)
					time.Sleep(tt.floor / 10)
				}
				provider.WaitBackground(prov)
				ran, _ := p.runs()
				for i := 1; i < len(ran); i++ {
					if gap := ran[i].Sub(ran[i-1]); gap < tt.floor {
						t.Fatalf("run %d came %v after the previous one; want at least %v", i, gap, tt.floor)
					}
				}
				if len(ran) < 10 {
					t.Errorf("%d runs in %v; want about one per %v", len(ran), 20*tt.floor, tt.floor)
				}
			})
		})
	}
}

// outside is a reading of the real clock, taken outside any synctest
// bubble, where readings carry a monotonic part.
var outside = time.Now()

// monotonicNow is the bubble's (wall-only) time as time.Now would return
// it outside a bubble: with a monotonic reading, which comparisons between
// two such readings use instead of the wall clock.
func monotonicNow() time.Time { return outside.Add(time.Since(outside.Round(0))) }

// lagMonotonic returns t with its monotonic reading moved back by d and
// its wall clock as it is: what time.Now returns after a suspend of d,
// which the wall clock counts and the monotonic clock does not. No API
// makes such a value, so this writes time.Time's monotonic field, and
// checks that it did.
func lagMonotonic(tb testing.TB, t time.Time, d time.Duration) time.Time {
	tb.Helper()
	lagged := t
	(*struct {
		wall uint64
		ext  int64
		loc  *time.Location
	})(unsafe.Pointer(&lagged)).ext -= int64(d)
	if !lagged.Round(0).Equal(t.Round(0)) || lagged.Sub(t) != -d {
		tb.Fatalf("lagMonotonic(%v, %v) = %v: time.Time's layout changed", t, d, lagged)
	}
	return lagged
}

// TestWallClockJumpKeepsValidCredentials: after a suspend (the wall clock
// jumps, the monotonic clock does not), the cache asks again by the wall
// clock; the provider judges by the same clock, sees no invalidation, and
// keeps serving the held set while the failing command is retried.
func TestWallClockJumpKeepsValidCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var failing, suspended atomic.Bool
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing.Load() {
				return nil, brokerDown()
			}
			return credsJSON("AKIDSUSPENDED", now.Add(time.Hour)), nil
		}}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
		})
		const sleep = 10 * time.Minute
		provider.SetClock(prov, func() time.Time {
			if suspended.Load() {
				return lagMonotonic(t, monotonicNow(), sleep)
			}
			return monotonicNow()
		})
		held := mustRetrieve(t, c)
		failing.Store(true)
		time.Sleep(30 * time.Minute) // the window opens: a background run fails
		mustRetrieve(t, c)
		synctest.Wait()
		provider.WaitBackground(prov)

		suspended.Store(true)
		time.Sleep(sleep) // 20 minutes of validity left
		for range 3 {
			got, err := c.Retrieve(context.Background())
			if err != nil || got.AccessKeyID != held.AccessKeyID {
				t.Fatalf("after the wall clock jumped: Retrieve() = %s, %v; want the held %s", got.AccessKeyID, err, held.AccessKeyID)
			}
			time.Sleep(2 * time.Minute)
			synctest.Wait()
		}
		provider.WaitBackground(prov)
	})
}
