package credprocess_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestJitterDrawnOncePerSet: the provider asks its strategy for a set's
// refresh moment once, when the set arrives, and a host calling ten times
// a second through the jitter window runs the command again at that
// moment, not before. Drawing on every call instead, as the Elixir
// original flipped a coin on every call, makes a busy host refresh within
// seconds of the window opening (internal/fleetsim's TestCoinPerCall).
//
// The bubble's clock stands still while the command runs; the command
// prints an Expiration an hour after the bubble's start.
func TestJitterDrawnOncePerSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		expires := time.Now().Add(time.Hour)
		runs := filepath.Join(proctest.TempDir(t, "jitter"), "runs")
		var (
			mu      sync.Mutex // guards rng and drawn
			rng     = rand.New(rand.NewPCG(1, 2))
			drawn   []time.Time
			window  = strategy.DefaultJitterWindow
			jitter  = strategy.BeforeExpiredWithJitter{Rand: func() float64 { mu.Lock(); defer mu.Unlock(); return rng.Float64() }}
			command = helperLine("session", "-key", "AKIDJITTER", "-count", runs, "-expires", expires.UTC().Format(time.RFC3339Nano))
		)
		creds := provider.New(command, func(o *provider.Options) {
			o.Strategy = strategy.Func(func(exp, now time.Time) time.Time {
				at := jitter.RefreshAt(exp, now)
				mu.Lock()
				defer mu.Unlock()
				drawn = append(drawn, at)
				return at
			})
		})
		ctx := context.Background()
		first, err := creds.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		moment := drawn[0]
		mu.Unlock()
		if moment.Before(expires.Add(-window)) || moment.After(expires) {
			t.Fatalf("moment drawn at expiry %v; want within the %v before expiry", moment.Sub(expires), window)
		}

		time.Sleep(time.Until(expires.Add(-window)))
		var renewed time.Time
		for renewed.IsZero() && time.Now().Before(expires) {
			got, err := creds.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKeyID != first.AccessKeyID {
				renewed = time.Now()
			}
			time.Sleep(100 * time.Millisecond)
		}
		opened := expires.Add(-window)
		switch {
		case renewed.IsZero():
			t.Fatalf("a host calling ten times a second held %s until expiry; want a new set from %v into the window",
				first.AccessKeyID, moment.Sub(opened))
		case renewed.Before(moment):
			t.Errorf("a host calling ten times a second got a new set %v into the window; want none before the moment drawn, %v into it",
				renewed.Sub(opened), moment.Sub(opened))
		case renewed.After(moment.Add(2 * time.Second)):
			t.Errorf("a host calling ten times a second got a new set %v into the window; want it within 2s of the moment drawn, %v into it",
				renewed.Sub(opened), moment.Sub(opened))
		}
		mu.Lock()
		asked := len(drawn)
		mu.Unlock()
		if n := proctest.Runs(t, runs); asked != n {
			t.Errorf("strategy asked %d times for %d sets fetched; want once per set", asked, n)
		}
	})
}
