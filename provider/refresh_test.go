package provider_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// producer stands in for the command's stdout inside a synctest bubble,
// where the clock is fake: it records when it ran and prints what next
// returns.
type producer struct {
	mu   sync.Mutex
	ran  []time.Time
	next func(now time.Time) ([]byte, error)
}

func (p *producer) run(context.Context) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ran = append(p.ran, time.Now())
	return p.next(time.Now())
}

func (p *producer) runs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ran)
}

func fixed(u float64) func() float64 { return func() float64 { return u } }

func mustRetrieve(t *testing.T, c *aws.CredentialsCache) aws.Credentials {
	t.Helper()
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	return creds
}

func TestStrategyPicksRefreshMoment(t *testing.T) {
	tests := []struct {
		name     string
		strategy strategy.Strategy
		life     time.Duration
		want     time.Duration // refresh moment, from the fetch
	}{
		{"default serves until expiry", nil, time.Hour, time.Hour},
		{"jitter at u=0.25 is half way into the window", strategy.BeforeExpiredWithJitter{Rand: fixed(0.25)}, time.Hour, 45 * time.Minute},
		{"jitter at u=0 starts the window", strategy.BeforeExpiredWithJitter{Rand: fixed(0)}, time.Hour, 30 * time.Minute},
		{"15-minute session against a 30-minute window", strategy.BeforeExpiredWithJitter{Rand: fixed(0)}, 15 * time.Minute, 7*time.Minute + 30*time.Second},
		{"strategy in the past is clamped", strategy.Func(func(exp, now time.Time) time.Time { return now.Add(-time.Hour) }), time.Hour, 5 * time.Second},
		{"strategy after expiry is clamped", strategy.Func(func(exp, now time.Time) time.Time { return exp.Add(time.Hour) }), time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				p := &producer{next: func(now time.Time) ([]byte, error) {
					return credsJSON("AKIDREFRESH", now.Add(tt.life)), nil
				}}
				c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) { o.Strategy = tt.strategy })

				creds := mustRetrieve(t, c)
				if got := creds.Expires.Sub(start); got != tt.want {
					t.Errorf("cached Expires = fetch + %v; want fetch + %v", got, tt.want)
				}
				for range 100 {
					mustRetrieve(t, c)
				}
				time.Sleep(tt.want - time.Nanosecond)
				mustRetrieve(t, c)
				if got := p.runs(); got != 1 {
					t.Errorf("runs before the refresh moment = %d; want 1", got)
				}
				time.Sleep(time.Nanosecond)
				got := mustRetrieve(t, c)
				synctest.Wait()
				if got := p.runs(); got != 2 {
					t.Errorf("runs at the refresh moment = %d; want 2", got)
				}
				if time.Since(start) < tt.life {
					// Refreshed ahead: the held set was served at once and
					// the next one arrives with the following poll.
					if got.AccessKeyID != "AKIDREFRESH" || !got.Expires.After(time.Now()) {
						t.Errorf("at the refresh moment got %+v; want the held set", got)
					}
					time.Sleep(time.Second)
					mustRetrieve(t, c)
					if got := p.runs(); got != 2 {
						t.Errorf("runs after picking up the refreshed set = %d; want 2", got)
					}
				}
			})
		})
	}
}

// TestRefreshAheadDoesNotBlock: a command that takes 10 seconds holds up no
// caller while valid credentials are held; only a cold start, expiry and a
// rejection make callers wait.
func TestRefreshAheadDoesNotBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		p := &producer{next: func(now time.Time) ([]byte, error) {
			time.Sleep(10 * time.Second)
			n++
			return credsJSON(fmt.Sprintf("AKIDSLOW%04d", n), now.Add(10*time.Second+time.Hour)), nil
		}}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
		})
		waited := func() time.Duration {
			start := time.Now()
			mustRetrieve(t, c)
			return time.Since(start)
		}
		if d := waited(); d != 10*time.Second {
			t.Errorf("cold start waited %v; want the command's 10s", d)
		}
		time.Sleep(30 * time.Minute) // the window opens
		for i := range 20 {
			if d := waited(); d != 0 {
				t.Fatalf("call %d at the refresh moment waited %v; want 0", i, d)
			}
			time.Sleep(time.Second)
		}
		if got := mustRetrieve(t, c); got.AccessKeyID != "AKIDSLOW0002" {
			t.Errorf("after the background run got %s; want AKIDSLOW0002", got.AccessKeyID)
		}
		if got := p.runs(); got != 2 {
			t.Errorf("runs = %d; want 2", got)
		}

		// A rejected set is never served ahead: the caller waits for a run.
		held := mustRetrieve(t, c)
		time.Sleep(35 * time.Minute) // past the poll and the refresh moment
		c.Invalidate()
		start := time.Now()
		provider.Reject(c, held.AccessKeyID, held.SessionToken)
		got, err := c.Retrieve(context.Background())
		if err != nil || got.AccessKeyID == held.AccessKeyID || time.Since(start) != 10*time.Second {
			t.Errorf("Retrieve after rejection = %s, %v after %v; want a new set after a 10s run", got.AccessKeyID, err, time.Since(start))
		}
		synctest.Wait()
		provider.WaitBackground(prov)
	})
}

// TestInvalidateBeforeTheMomentRunsTheCommand: invalidating the cache while
// it still serves a set before its refresh moment makes the next Retrieve
// wait for a run, not hand back the same set.
func TestInvalidateBeforeTheMomentRunsTheCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		p := &producer{next: func(now time.Time) ([]byte, error) {
			n++
			return credsJSON(fmt.Sprintf("AKIDINVAL%04d", n), now.Add(time.Hour)), nil
		}}
		c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{}
		})
		first := mustRetrieve(t, c)
		time.Sleep(time.Minute)
		c.Invalidate()
		if got := mustRetrieve(t, c); got.AccessKeyID == first.AccessKeyID || p.runs() != 2 {
			t.Errorf("after Invalidate got %s with %d runs; want a new set from a second run", got.AccessKeyID, p.runs())
		}
	})
}

// TestCachingProducerBacksOff models aws-vault, which hands back the same
// session until 5 minutes before it expires: the 30-minute jitter window
// must not run it on every call meanwhile.
func TestCachingProducerBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		sessions := map[string]time.Time{}
		var current string
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if current == "" || sessions[current].Sub(now) < 5*time.Minute {
				current = "AKIDSESSION" + now.Format("150405")
				sessions[current] = now.Add(time.Hour)
			}
			return credsJSON(current, sessions[current]), nil
		}}
		log := &recorder{}
		c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
			o.Logger = log
		})

		for time.Since(start) < 3*time.Hour {
			creds := mustRetrieve(t, c)
			p.mu.Lock()
			exp := sessions[creds.AccessKeyID]
			p.mu.Unlock()
			if !exp.After(time.Now()) {
				t.Fatalf("served %s at %v, after its expiry %v", creds.AccessKeyID, time.Since(start), exp.Sub(start))
			}
			time.Sleep(time.Second)
		}

		p.mu.Lock()
		defer p.mu.Unlock()
		for i := 1; i < len(p.ran); i++ {
			if gap := p.ran[i].Sub(p.ran[i-1]); gap < provider.DefaultMinRefreshInterval {
				t.Errorf("run %d came %v after the previous one; want at least %v", i, gap, provider.DefaultMinRefreshInterval)
			}
		}
		// The producer rotates every 55 minutes: four sessions in 3 hours,
		// each polled about once a minute from the start of its window until
		// the producer rotates.
		if len(sessions) != 4 {
			t.Errorf("sessions fetched = %d; want 4", len(sessions))
		}
		if n, most := len(p.ran), 4*(30-5+2); n > most {
			t.Errorf("runs in 3 hours = %d; want at most %d", n, most)
		}
		if !strings.Contains(strings.Join(log.all(), "\n"), "no newer than those held") {
			t.Errorf("no debug line tells that the credentials were unchanged")
		}
	})
}

func TestFailedRefreshKeepsValidCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1, Stderr: "broker unavailable"}
			}
			return credsJSON("AKID"+now.Format("150405"), now.Add(time.Hour)), nil
		}}
		log := &recorder{}
		c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
			o.Logger = log
		})

		first := mustRetrieve(t, c)
		failing = true
		time.Sleep(30 * time.Minute)
		for time.Since(start) < time.Hour-time.Second {
			if got := mustRetrieve(t, c); got.AccessKeyID != first.AccessKeyID {
				t.Fatalf("served %s; want the held %s while it is valid", got.AccessKeyID, first.AccessKeyID)
			}
			time.Sleep(time.Second)
		}
		warnings := 0
		for _, line := range log.all() {
			if strings.HasPrefix(line, "WARN") {
				warnings++
				if !strings.Contains(line, "broker unavailable") {
					t.Errorf("warning lacks the cause: %s", line)
				}
			}
		}
		if warnings != p.runs()-1 {
			t.Errorf("warnings = %d for %d failed runs; want one per failed run", warnings, p.runs()-1)
		}
		if failed := p.runs() - 1; failed > 30+6 {
			t.Errorf("failed runs in the last 30 minutes = %d; want about one a minute", failed)
		}

		time.Sleep(time.Second)
		_, err := c.Retrieve(context.Background())
		var pe *provider.ProcessError
		if !errors.As(err, &pe) || pe.Stderr != "broker unavailable" {
			t.Fatalf("Retrieve() after expiry error = %v; want the *ProcessError", err)
		}

		// The command recovers; it runs again once the backoff has passed.
		failing = false
		time.Sleep(provider.FailureBackoff)
		if got := mustRetrieve(t, c); got.AccessKeyID == first.AccessKeyID {
			t.Errorf("after recovery served %s; want fresh credentials", got.AccessKeyID)
		}
	})
}

// TestInvalidatedCredentialsAreNotServedOnFailure: once the cache was
// invalidated (a server rejected the credentials), a failing refresh is an
// error, not a fallback to the rejected set.
func TestInvalidatedCredentialsAreNotServedOnFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
			}
			return credsJSON("AKIDREJECTED", now.Add(time.Hour)), nil
		}}
		c, _ := provider.NewWithRunner(p.run)
		mustRetrieve(t, c)
		failing = true
		c.Invalidate()
		if _, err := c.Retrieve(context.Background()); err == nil {
			t.Fatal("Retrieve() after Invalidate with a failing command = nil error; want the failure")
		}
	})
}

// TestWarningsGoToTheClientLogger: without Options.Logger, a failed refresh
// is reported to the logger the SDK client put in the request context, and
// debug lines are not.
func TestWarningsGoToTheClientLogger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
			}
			return credsJSON("AKIDLOGGED000001", now.Add(time.Hour)), nil
		}}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
		})
		client := &recorder{}
		ctx := smithymiddleware.SetLogger(context.Background(), client)
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
		failing = true
		time.Sleep(30 * time.Minute)
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		provider.WaitBackground(prov)
		lines := client.all()
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "WARN") {
			t.Errorf("client logger got %q; want one warning", lines)
		}
	})
}

// TestRejectedSetIsWithdrawn: once the cache was invalidated or a set was
// rejected, a failing command makes every later Retrieve fail until a run
// succeeds; the rejected set is not handed out again, whatever the time.
func TestRejectedSetIsWithdrawn(t *testing.T) {
	for _, marked := range []bool{false, true} {
		t.Run(fmt.Sprintf("Reject=%v", marked), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				failing := false
				n := 0
				p := &producer{next: func(now time.Time) ([]byte, error) {
					if failing {
						return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
					}
					n++
					return credsJSON(fmt.Sprintf("AKIDWITHDRAWN%03d", n), now.Add(time.Hour)), nil
				}}
				c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
					o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
				})
				rejected := mustRetrieve(t, c)
				failing = true
				if marked {
					time.Sleep(35 * time.Minute) // inside the window, past the moment
				}
				c.Invalidate()
				if marked {
					provider.Reject(c, rejected.AccessKeyID, rejected.SessionToken)
				}
				if _, err := c.Retrieve(context.Background()); err == nil {
					t.Fatal("Retrieve after rejection with a failing command = nil error")
				}
				for range 3 {
					time.Sleep(40 * time.Minute / 3)
					if got, err := c.Retrieve(context.Background()); err == nil {
						t.Fatalf("later Retrieve served %s; want the failure, not the rejected set", got.AccessKeyID)
					}
				}
				failing = false
				time.Sleep(provider.FailureBackoff)
				if got := mustRetrieve(t, c); got.AccessKeyID == rejected.AccessKeyID {
					t.Errorf("after recovery served %s; want a new set", got.AccessKeyID)
				}
			})
		})
	}
}

func TestRejectAndWithheld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		same := false
		n := 0
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if !same {
				n++
			}
			return credsJSON(fmt.Sprintf("AKIDREJECT%04d", n), now.Add(time.Hour)), nil
		}}
		c, _ := provider.NewWithRunner(p.run)
		k1 := mustRetrieve(t, c)
		if provider.Withheld(c, k1.AccessKeyID, k1.SessionToken) {
			t.Fatal("Withheld before Reject = true")
		}
		provider.Reject(c, k1.AccessKeyID, k1.SessionToken)
		if !provider.Withheld(c, k1.AccessKeyID, k1.SessionToken) {
			t.Fatal("Withheld after Reject = false")
		}
		c.Invalidate()
		if k2 := mustRetrieve(t, c); k2.AccessKeyID == k1.AccessKeyID || provider.Withheld(c, k1.AccessKeyID, k1.SessionToken) {
			t.Errorf("after a run: got %s, Withheld(k1) = %v; want a new key and false", k2.AccessKeyID, provider.Withheld(c, k1.AccessKeyID, k1.SessionToken))
		}

		// A producer that hands back the rejected set: the run's result is
		// served, and not withheld.
		same = true
		k2 := mustRetrieve(t, c)
		provider.Reject(c, k2.AccessKeyID, k2.SessionToken)
		c.Invalidate()
		if k3 := mustRetrieve(t, c); k3.AccessKeyID != k2.AccessKeyID || provider.Withheld(c, k3.AccessKeyID, k3.SessionToken) {
			t.Errorf("same set from a run: got %s, withheld %v; want %s, false", k3.AccessKeyID, provider.Withheld(c, k3.AccessKeyID, k3.SessionToken), k2.AccessKeyID)
		}

		// Caches this package did not make are not affected.
		other := aws.NewCredentialsCache(provider.NewProvider("true"))
		provider.Reject(other, "AKID", "")
		if provider.Withheld(other, "AKID", "") {
			t.Error("Withheld for a foreign cache = true")
		}
	})
}

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
