package provider_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

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
