package strategy_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/strategy"
)

var (
	now     = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	expires = now.Add(time.Hour)
)

func TestAfterExpired(t *testing.T) {
	if got := (strategy.AfterExpired{}).RefreshAt(expires, now); !got.Equal(expires) {
		t.Errorf("RefreshAt() = %v; want %v", got, expires)
	}
}

func TestFunc(t *testing.T) {
	var s strategy.Strategy = strategy.Func(func(exp, _ time.Time) time.Time { return exp.Add(-time.Minute) })
	if got, want := s.RefreshAt(expires, now), expires.Add(-time.Minute); !got.Equal(want) {
		t.Errorf("RefreshAt() = %v; want %v", got, want)
	}
}

func TestBeforeExpiredWithJitterBounds(t *testing.T) {
	tests := []struct {
		name      string
		window    time.Duration
		life      time.Duration
		u         float64
		wantLeft  time.Duration // time left before expiry at the refresh moment
		wantRange bool
	}{
		{"zero window means 30 minutes, u=0 starts it", 0, time.Hour, 0, 30 * time.Minute, false},
		{"u near 1 refreshes at expiry", 0, time.Hour, 0.999999999, 0, true},
		{"u=0.25 is half way (density rises)", 0, time.Hour, 0.25, 15 * time.Minute, false},
		{"custom window", 10 * time.Minute, time.Hour, 0, 10 * time.Minute, false},
		{"short-lived set gets half its life", 0, 15 * time.Minute, 0, 7*time.Minute + 30*time.Second, false},
		{"already expired", 0, -time.Minute, 0.5, 0, false},
		{"out-of-range random numbers are clamped", 0, time.Hour, -3, 30 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := now.Add(tt.life)
			s := strategy.BeforeExpiredWithJitter{Window: tt.window, Rand: func() float64 { return tt.u }}
			got := s.RefreshAt(exp, now)
			left := exp.Sub(got)
			if tt.wantRange {
				if left < 0 || left > time.Millisecond {
					t.Errorf("RefreshAt() = expiry - %v; want within 1ms before expiry", left)
				}
				return
			}
			if left != tt.wantLeft {
				t.Errorf("RefreshAt() = expiry - %v; want expiry - %v", left, tt.wantLeft)
			}
		})
	}
}

// TestBeforeExpiredWithJitterSpreadsAFleet draws the refresh moments of
// 10,000 hosts whose credentials expire together: none is outside the
// window, the broker never sees much more than twice the average rate, and
// later minutes get more refreshes than earlier ones.
func TestBeforeExpiredWithJitterSpreadsAFleet(t *testing.T) {
	const hosts = 10000
	rng := rand.New(rand.NewPCG(1, 2))
	s := strategy.BeforeExpiredWithJitter{Rand: rng.Float64}
	var perMinute [30]int
	for range hosts {
		at := s.RefreshAt(expires, now)
		left := expires.Sub(at)
		if left < 0 || left > 30*time.Minute {
			t.Fatalf("refresh at expiry - %v; want inside the last 30 minutes", left)
		}
		perMinute[min(int(at.Sub(expires.Add(-30*time.Minute))/time.Minute), 29)]++
	}
	mean := hosts / 30
	for m, n := range perMinute {
		if n > 5*mean/2 {
			t.Errorf("minute %d of the window has %d refreshes; want at most 2.5x the mean %d", m, n, mean)
		}
	}
	firstThird, lastThird := 0, 0
	for m := range 10 {
		firstThird += perMinute[m]
		lastThird += perMinute[20+m]
	}
	if lastThird <= 2*firstThird {
		t.Errorf("refreshes in the last third = %d, first third = %d; want the chance to rise toward expiry", lastThird, firstThird)
	}
	t.Logf("refreshes per minute of the window: %v", perMinute)
}
