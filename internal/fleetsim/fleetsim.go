package fleetsim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Default values for the zero fields of a [Config].
const (
	// DefaultHosts is the fleet size.
	DefaultHosts = 10_000
	// DefaultLifetime is how long before expiry the sets were fetched.
	DefaultLifetime = time.Hour
	// DefaultSeed seeds the runs.
	DefaultSeed = 20_260_101
)

// expires is the shared expiry; only differences from it matter.
var expires = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// Config describes the fleet. The zero value is ready to use.
type Config struct {
	// Hosts is the number of hosts. Zero means DefaultHosts (10,000).
	Hosts int

	// Lifetime is how long before expiry every host fetched its set; it
	// bounds the jitter window to half of it. Zero means DefaultLifetime
	// (1 hour, the usual STS session).
	Lifetime time.Duration

	// Seed seeds every run. Zero means DefaultSeed.
	Seed uint64
}

func (c Config) withDefaults() Config {
	if c.Hosts <= 0 {
		c.Hosts = DefaultHosts
	}
	if c.Lifetime <= 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	return c
}

// Rate is the call rate of the hosts of a fleet, in calls per second: Lo for
// every host when Hi equals Lo, otherwise drawn per host log-uniformly
// from [Lo, Hi).
type Rate struct {
	// Name labels the rate class; it also seeds the run's random stream.
	Name string
	// Lo and Hi bound the rate in calls per second; Lo must be positive.
	Lo, Hi float64
}

// Fixed returns a Rate of r calls per second for every host, named after r.
func Fixed(r float64) Rate {
	return Rate{Name: strconv.FormatFloat(r, 'g', -1, 64), Lo: r, Hi: r}
}

// LogUniform returns a Rate drawn per host log-uniformly from [lo, hi), so
// each decade holds as many hosts.
func LogUniform(lo, hi float64) Rate {
	return Rate{Name: "mixed", Lo: lo, Hi: hi}
}

// Rates are the rate classes compared: 0.1, 1, 10 and 100 calls per second,
// and a mixed fleet spread log-uniformly over 0.1 to 100.
func Rates() []Rate {
	return []Rate{Fixed(0.1), Fixed(1), Fixed(10), Fixed(100), LogUniform(0.1, 100)}
}

func (r Rate) draw(rng *rand.Rand) float64 {
	if r.Hi <= r.Lo {
		return r.Lo
	}
	return r.Lo * math.Pow(r.Hi/r.Lo, rng.Float64())
}

// Run simulates one fleet under one policy.
func Run(cfg Config, p Policy, rate Rate) Result {
	cfg = cfg.withDefaults()
	h := fnv.New64a()
	h.Write([]byte(p.Name() + "\x00" + rate.Name))
	rng := rand.New(rand.NewPCG(cfg.Seed, h.Sum64()))

	fetched := expires.Add(-cfg.Lifetime)
	times := make([]float64, cfg.Hosts)
	for i := range times {
		times[i] = p.refresh(rng, rate.draw(rng), expires, fetched)
	}
	return newResult(p.Name(), rate.Name, times)
}

// Matrix runs every policy of [Policies] against every rate of [Rates],
// policy-major.
func Matrix(cfg Config) []Result {
	var out []Result
	for _, p := range Policies() {
		for _, r := range Rates() {
			out = append(out, Run(cfg, p, r))
		}
	}
	return out
}
