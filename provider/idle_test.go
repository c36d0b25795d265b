package provider_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestRefreshWhenIdle: with RefreshWhenIdle, a program that makes no
// request at the refresh moment still refreshes then, and its next request,
// after the first set expired, does not wait for the command. Without it
// that request waits.
func TestRefreshWhenIdle(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run(fmt.Sprintf("RefreshWhenIdle=%v", idle), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				n := 0
				p := &producer{next: func(now time.Time) ([]byte, error) {
					time.Sleep(10 * time.Second)
					n++
					return credsJSON(fmt.Sprintf("AKIDIDLE%04d", n), now.Add(10*time.Second+time.Hour)), nil
				}}
				c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
					o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
					o.RefreshWhenIdle = idle
				})
				defer provider.Stop(prov)
				mustRetrieve(t, c) // at 10s: expires at 1h0m10s, refresh moment 30m10s

				time.Sleep(time.Hour + 5*time.Second) // idle until just past that expiry
				synctest.Wait()
				start := time.Now()
				got := mustRetrieve(t, c)
				waited := time.Since(start)

				if idle {
					// Prefetched at 30m10s; set 2's own moment, 1h0m20s, is still ahead.
					if waited != 0 || got.AccessKeyID != "AKIDIDLE0002" || p.runs() != 2 {
						t.Errorf("got %s after waiting %v with %d runs; want AKIDIDLE0002 at once with 2 runs", got.AccessKeyID, waited, p.runs())
					}
				} else if waited != 10*time.Second || got.AccessKeyID != "AKIDIDLE0002" || p.runs() != 2 {
					t.Errorf("got %s after waiting %v with %d runs; want AKIDIDLE0002 after the 10s run, 2 runs", got.AccessKeyID, waited, p.runs())
				}
				synctest.Wait()
				provider.WaitBackground(prov)
			})
		})
	}
}

// TestRefreshWhenIdleStopsWithTheCache: the timer of a cache nobody holds
// any more is stopped, so a discarded cache does not run its command
// forever.
func TestRefreshWhenIdleStopsWithTheCache(t *testing.T) {
	p := &producer{next: func(now time.Time) ([]byte, error) { return credsJSON("AKIDGONE", now.Add(time.Hour)), nil }}
	c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) { o.RefreshWhenIdle = true })
	mustRetrieve(t, c)
	c = nil
	for i := 0; !provider.Stopped(prov); i++ {
		if i == 100 {
			t.Fatal("the timer of a collected cache was not stopped")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRefreshWhenIdleBacksOffAfterFailures: an idle program whose command
// fails runs it at most once per MinRefreshInterval, before and after
// expiry.
func TestRefreshWhenIdleBacksOffAfterFailures(t *testing.T) {
	for _, s := range []strategy.Strategy{strategy.AfterExpired{}, strategy.BeforeExpiredWithJitter{Rand: fixed(0)}} {
		t.Run(fmt.Sprintf("%T", s), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var failing atomic.Bool // read by the timer's goroutine
				p := &producer{next: func(now time.Time) ([]byte, error) {
					if failing.Load() {
						return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
					}
					return credsJSON("AKIDIDLEFAIL", now.Add(time.Hour)), nil
				}}
				c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
					o.Strategy = s
					o.RefreshWhenIdle = true
				})
				defer provider.Stop(prov)
				mustRetrieve(t, c)
				failing.Store(true)
				time.Sleep(2 * time.Hour)
				synctest.Wait()
				// At most one run a minute from the first refresh moment on.
				if n := p.runs(); n > 1+120+1 {
					t.Errorf("runs in 2 idle hours with a failing command = %d; want at most %d", n, 1+120+1)
				}
				provider.Stop(prov)
				provider.WaitBackground(prov)
			})
		})
	}
}
