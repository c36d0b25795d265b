package strategy

import (
	"math"
	"math/rand/v2"
	"time"
)

// DefaultJitterWindow is the window [BeforeExpiredWithJitter] uses when its
// Window is zero.
const DefaultJitterWindow = 30 * time.Minute

// BeforeExpiredWithJitter refreshes at a random moment inside the last Window
// before expiry, so that a fleet of hosts holding credentials with the same
// expiry does not run the command at the same moment.
//
// The moment is drawn once per credential set, with a density that rises
// linearly toward expiry: a refresh is twice as likely in the last instant of
// the window as on average, and never happens after expiry. Because the draw
// does not depend on how often a host makes requests, a fleet spreads over
// the whole window whatever its call rates. (Flipping a coin on every call
// instead would make a busy host refresh at the very start of the window and
// a quiet one near the end.)
//
// A set that lives less than twice the window gets a window of half its
// lifetime, so a 15-minute STS session against a 30-minute window refreshes
// in its last 7.5 minutes rather than at once.
//
// The zero value is ready to use. It is safe for concurrent use when Rand is.
type BeforeExpiredWithJitter struct {
	// Window is how long before expiry refreshes may start.
	// Zero means DefaultJitterWindow (30 minutes).
	Window time.Duration

	// Rand returns a pseudo-random number in [0, 1). It must be safe for
	// concurrent use. Nil means math/rand/v2.Float64.
	Rand func() float64
}

var _ Strategy = BeforeExpiredWithJitter{}

// RefreshAt returns a moment in the last Window before expires, and never
// before now.
func (s BeforeExpiredWithJitter) RefreshAt(expires, now time.Time) time.Time {
	life := expires.Sub(now)
	if life <= 0 {
		return expires
	}
	window := s.Window
	if window <= 0 {
		window = DefaultJitterWindow
	}
	window = min(window, life/2)

	u := rand.Float64()
	if s.Rand != nil {
		u = s.Rand()
	}
	// Inverse transform sampling: sqrt(u) has density 2x on [0, 1).
	x := math.Sqrt(min(max(u, 0), 1))
	return expires.Add(-time.Duration((1 - x) * float64(window)))
}
