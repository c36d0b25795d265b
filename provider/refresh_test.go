package provider_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
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
		served.Reject(c, served.SetOf(held.AccessKeyID, held.SessionToken))
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
