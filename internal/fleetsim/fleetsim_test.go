package fleetsim_test

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/fleetsim"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// window is BeforeExpiredWithJitter's default window in seconds.
const window = float64(strategy.DefaultJitterWindow / time.Second)

// matrix runs the default matrix once for every test, indexed by policy
// name and then rate name.
var matrix = sync.OnceValue(func() map[string]map[string]fleetsim.Result {
	m := map[string]map[string]fleetsim.Result{}
	for _, r := range fleetsim.Matrix(fleetsim.Config{}) {
		if m[r.Policy] == nil {
			m[r.Policy] = map[string]fleetsim.Result{}
		}
		m[r.Policy][r.Rate] = r
	}
	return m
})

func result(t *testing.T, p fleetsim.Policy, rate string) fleetsim.Result {
	t.Helper()
	r, ok := matrix()[p.Name()][rate]
	if !ok {
		t.Fatalf("no result for %s at %s calls/s", p.Name(), rate)
	}
	return r
}

func TestRunIsDeterministic(t *testing.T) {
	cfg := fleetsim.Config{Hosts: 500}
	for _, p := range fleetsim.Policies() {
		a := fleetsim.Run(cfg, p, fleetsim.Fixed(1))
		b := fleetsim.Run(cfg, p, fleetsim.Fixed(1))
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: two runs with one seed differ (-first +second):\n%s", p.Name(), diff)
		}
		cfg2 := cfg
		cfg2.Seed = 7
		if c := fleetsim.Run(cfg2, p, fleetsim.Fixed(1)); cmp.Equal(a.Times, c.Times) {
			t.Errorf("%s: seeds %d and 7 gave the same times", p.Name(), fleetsim.DefaultSeed)
		}
	}
}

// TestJitterNeverSchedulesAfterExpiry checks the strategy itself: every
// moment it picks lies in the 30 minutes before expiry. A host still runs
// the command after expiry when it makes no call between that moment and
// expiry (its next call finds the set expired); that happens to a share of
// about 2/(rate*window) of the hosts, so it is bounded here, not zero.
func TestJitterNeverSchedulesAfterExpiry(t *testing.T) {
	for _, rate := range fleetsim.Rates() {
		t.Run(rate.Name, func(t *testing.T) {
			var due []time.Duration
			var exp time.Time
			recording := fleetsim.Scheduled{
				Label: fleetsim.Jitter.Label, // the same label replays the same stream
				New: func(random func() float64) strategy.Strategy {
					return strategy.Func(func(expires, now time.Time) time.Time {
						at := fleetsim.Jitter.New(random).RefreshAt(expires, now)
						exp = expires
						due = append(due, at.Sub(expires))
						return at
					})
				},
			}
			got := fleetsim.Run(fleetsim.Config{}, recording, rate)
			if diff := cmp.Diff(result(t, fleetsim.Jitter, rate.Name), got); diff != "" {
				t.Fatalf("recording run differs from the matrix run (-matrix +recording):\n%s", diff)
			}
			if exp.IsZero() || len(due) != fleetsim.DefaultHosts {
				t.Fatalf("strategy asked %d times; want %d", len(due), fleetsim.DefaultHosts)
			}
			for _, d := range due {
				if d > 0 || d < -strategy.DefaultJitterWindow {
					t.Fatalf("RefreshAt = expiry %+v; want within the %v before expiry", d, strategy.DefaultJitterWindow)
				}
			}

			// Expected idle share: E[2/(rate*window)], with E[1/rate] over
			// the log-uniform mixed fleet (1/lo - 1/hi)/ln(hi/lo).
			invRate := 1 / rate.Lo
			if rate.Hi > rate.Lo {
				invRate = (1/rate.Lo - 1/rate.Hi) / math.Log(rate.Hi/rate.Lo)
			}
			want := 2 * float64(fleetsim.DefaultHosts) * invRate / window
			t.Logf("%s calls/s: %d refreshes after expiry (%.2f%%), %.1f expected from idle hosts",
				rate.Name, got.AfterExpiry, 100*got.AfterExpiryShare(), want)
			if limit := 2*want + 5; float64(got.AfterExpiry) > limit {
				t.Errorf("%d refreshes after expiry; want at most %.0f", got.AfterExpiry, limit)
			}
			// An idle host runs the command on its next call, so late
			// refreshes trail expiry by call gaps of the slowest host.
			slowestGap := time.Duration(float64(time.Second) / rate.Lo)
			if last := got.Max(); last > 20*slowestGap {
				t.Errorf("latest refresh at expiry %+v; want within 20 call gaps (%v) of expiry", last, 20*slowestGap)
			}
		})
	}
}

// TestJitterCutsPeak compares the busiest second the broker sees. At 0.1
// calls per second AfterExpired cannot exceed N*(1-e^-0.1) ≈ 950 runs per
// second (a slow fleet spreads itself), while the jitter's density peaks at
// 2N/window ≈ 11 per second before noise, so a 100x cut is out of reach
// there; every other rate must reach it.
func TestJitterCutsPeak(t *testing.T) {
	minCut := map[string]float64{"0.1": 30, "1": 100, "10": 100, "100": 100, "mixed": 100}
	for _, rate := range fleetsim.Rates() {
		t.Run(rate.Name, func(t *testing.T) {
			after := result(t, fleetsim.AfterExpired, rate.Name)
			coin := result(t, fleetsim.CoinPerCall{}, rate.Name)
			ours := result(t, fleetsim.Jitter, rate.Name)
			cut := float64(after.Peak) / float64(ours.Peak)
			t.Logf("%s calls/s: peak runs/s AfterExpired %d, coin per call %d, ours %d: %.0fx below AfterExpired, %.0fx below coin",
				rate.Name, after.Peak, coin.Peak, ours.Peak, cut, float64(coin.Peak)/float64(ours.Peak))
			if cut < minCut[rate.Name] {
				t.Errorf("peak cut = %.1fx; want at least %.0fx", cut, minCut[rate.Name])
			}
		})
	}
}

// TestJitterSpreadIsRateIndependent checks that the per-minute histogram of
// the jitter does not depend on how often hosts call, and that every minute
// of the window gets refreshes, where coin-per-call moves with the rate.
func TestJitterSpreadIsRateIndependent(t *testing.T) {
	const from, to = -31, 3 // minutes relative to expiry
	hist := func(p fleetsim.Policy, rate string) []int { return result(t, p, rate).Minutes(from, to) }

	ours := fleetsim.TotalVariation(hist(fleetsim.Jitter, "0.1"), hist(fleetsim.Jitter, "100"))
	coin := fleetsim.TotalVariation(hist(fleetsim.CoinPerCall{}, "0.1"), hist(fleetsim.CoinPerCall{}, "100"))
	t.Logf("total variation between 0.1 and 100 calls/s: ours %.3f, coin per call %.3f", ours, coin)
	if ours > 0.08 {
		t.Errorf("ours: total variation(0.1, 100 calls/s) = %.3f; want <= 0.08", ours)
	}
	if coin < 0.5 {
		t.Errorf("coin per call: total variation(0.1, 100 calls/s) = %.3f; want >= 0.5 (the check would not tell)", coin)
	}

	for _, rate := range fleetsim.Rates() {
		h := hist(fleetsim.Jitter, rate.Name)
		for m := -30; m < 0; m++ {
			if h[m-from] == 0 {
				t.Errorf("ours at %s calls/s: no refresh in minute %d before expiry; histogram %v", rate.Name, -m, h)
			}
		}
	}
}

// TestCoinPerCall checks the model of the Elixir original. A busy host
// refreshes at once: at 100 calls per second nearly every host refreshes in
// the window's first minute. For Poisson calls the refresh hazard grows
// linearly, rate*t/1800 at t seconds into the window, so the median lands
// sqrt(2 ln2 * 1800/rate) seconds in.
func TestCoinPerCall(t *testing.T) {
	busy := result(t, fleetsim.CoinPerCall{}, "100")
	first := 0
	for _, s := range busy.Times {
		if s < -(fleetsim.CoinWindowSeconds - 60) {
			first++
		}
	}
	if share := float64(first) / float64(len(busy.Times)); share < 0.99 {
		t.Errorf("at 100 calls/s, %.1f%% refresh in the window's first minute; want >= 99%%", 100*share)
	}

	for _, rate := range []float64{0.1, 1, 10} {
		r := result(t, fleetsim.CoinPerCall{}, fleetsim.Fixed(rate).Name)
		into := r.Median().Seconds() + fleetsim.CoinWindowSeconds + 1 // the first flips come at 1800 s left
		want := math.Sqrt(2 * math.Ln2 * fleetsim.CoinWindowSeconds / rate)
		if math.Abs(into-want) > 0.05*want+1 {
			t.Errorf("at %g calls/s, median refresh %.1f s into the window; want %.1f s", rate, into, want)
		}
		if r.AfterExpiry != 0 {
			t.Errorf("at %g calls/s, %d refreshes after expiry; want 0", rate, r.AfterExpiry)
		}
	}
}

// TestJitterWhenIdle: with RefreshWhenIdle every host refreshes at its
// drawn moment, so none refreshes after expiry at any call rate, and the
// peak is the drawn distribution's, the same for every rate.
func TestJitterWhenIdle(t *testing.T) {
	for _, rate := range fleetsim.Rates() {
		t.Run(rate.Name, func(t *testing.T) {
			got := fleetsim.Run(fleetsim.Config{}, fleetsim.JitterWhenIdle, rate)
			after := result(t, fleetsim.AfterExpired, rate.Name)
			t.Logf("%s calls/s: peak %d runs/s, %.0fx below AfterExpired; %d after expiry; latest at expiry %+v",
				rate.Name, got.Peak, float64(after.Peak)/float64(got.Peak), got.AfterExpiry, got.Max())
			if got.AfterExpiry != 0 {
				t.Errorf("%d refreshes after expiry; want 0", got.AfterExpiry)
			}
			if got.Min() < -30*time.Minute {
				t.Errorf("earliest refresh at expiry %+v; want inside the 30-minute window", got.Min())
			}
		})
	}
}
