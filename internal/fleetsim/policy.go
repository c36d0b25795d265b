package fleetsim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/seed-dcc28122/credprocess/strategy"
)

// A Policy decides when a host's credential set is due, and so on which of
// its calls the command runs.
type Policy interface {
	// Name labels the policy in results and tables; it also seeds the
	// policy's random stream, so two policies need two names.
	Name() string

	// refresh returns the moment, in seconds relative to expires, of the
	// call on which a host calling at rate calls per second runs the
	// command. The set was fetched at fetched.
	refresh(rng *rand.Rand, rate float64, expires, fetched time.Time) float64
}

// Scheduled is a policy that asks a [strategy.Strategy] once per set, when
// the set is fetched, as the provider does: the host runs the command on its
// first call at or after the moment RefreshAt returned.
type Scheduled struct {
	// Label is returned by Name.
	Label string

	// New builds the strategy for one run. random is the run's seeded source
	// of numbers in [0, 1); a strategy that needs randomness must draw from
	// it for the run to be reproducible. random is not safe for concurrent
	// use; the simulation calls RefreshAt from one goroutine.
	New func(random func() float64) strategy.Strategy
}

var _ Policy = Scheduled{}

// Name returns s.Label.
func (s Scheduled) Name() string { return s.Label }

func (s Scheduled) refresh(rng *rand.Rand, rate float64, expires, fetched time.Time) float64 {
	at := s.New(rng.Float64).RefreshAt(expires, fetched)
	// Poisson arrivals are memoryless: the first call at or after at comes
	// an exponential gap later.
	return at.Sub(expires).Seconds() + rng.ExpFloat64()/rate
}

// CoinWindowSeconds is the jitter window of the Elixir original's
// BeforeExpiredWithJitter, in whole seconds.
const CoinWindowSeconds = 1800

// CoinPerCall is the refresh rule of the Elixir original
// (ExAwsCredentialProcess.Refresh.BeforeExpiredWithJitter): on every call,
// with s the whole seconds left before expiry (truncated), refresh if
// s <= 0, never if s > 1800, and otherwise if :rand.uniform(1800) >= s, that
// is with probability (1801 - s)/1800.
type CoinPerCall struct{}

var _ Policy = CoinPerCall{}

// Name returns "coin per call".
func (CoinPerCall) Name() string { return "coin per call" }

func (CoinPerCall) refresh(rng *rand.Rand, rate float64, _, _ time.Time) float64 {
	// Calls up to 1801 s before expiry see s > 1800 and never refresh;
	// memorylessness lets the call stream start there.
	t := -float64(CoinWindowSeconds + 1)
	for {
		t += rng.ExpFloat64() / rate
		s := int(math.Trunc(-t)) // DateTime.diff(expiration, now, :second)
		if s <= 0 {
			return t
		}
		if s <= CoinWindowSeconds && rng.IntN(CoinWindowSeconds)+1 >= s {
			return t
		}
	}
}

// AfterExpired is the SDK's default behaviour: [strategy.AfterExpired], a
// set is due when it expires.
var AfterExpired = Scheduled{
	Label: "AfterExpired",
	New:   func(func() float64) strategy.Strategy { return strategy.AfterExpired{} },
}

// Jitter is credprocess's [strategy.BeforeExpiredWithJitter] with its
// default 30-minute window, drawing from the run's seeded source.
var Jitter = Scheduled{
	Label: "BeforeExpiredWithJitter",
	New: func(random func() float64) strategy.Strategy {
		return strategy.BeforeExpiredWithJitter{Rand: random}
	},
}

// Policies are the three policies compared: [AfterExpired], [CoinPerCall]
// and [Jitter].
func Policies() []Policy { return []Policy{AfterExpired, CoinPerCall{}, Jitter} }

// Prefetched is a policy that runs the command at the moment its strategy
// picked, call or no call, as the provider does with
// Options.RefreshWhenIdle: a host's refresh no longer waits for its next
// call, so none comes after expiry however idle the host.
type Prefetched struct {
	Scheduled
}

var _ Policy = Prefetched{}

func (p Prefetched) refresh(rng *rand.Rand, _ float64, expires, fetched time.Time) float64 {
	return p.New(rng.Float64).RefreshAt(expires, fetched).Sub(expires).Seconds()
}

// JitterWhenIdle is [Jitter] with Options.RefreshWhenIdle.
var JitterWhenIdle = Prefetched{Scheduled{
	Label: "BeforeExpiredWithJitter, RefreshWhenIdle",
	New:   Jitter.New,
}}
