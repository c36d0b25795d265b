// Package strategy decides when a fetched credential set stops being served
// and the credential_process command runs again.
//
// A [Strategy] is asked once per fetched set, when the set is stored in the
// cache: the cache then serves the set lock-free until the returned moment.
// Two strategies ship: [AfterExpired] (the default) and
// [BeforeExpiredWithJitter]. Any type with a RefreshAt method, or a function
// wrapped in [Func], plugs in the same way.
package strategy

import "time"

// Strategy picks the moment a credential set that expires at expires stops
// being served, given the current time now.
//
// RefreshAt is called once per fetched set, never on the request path, and
// may be called from several goroutines at once. The provider clamps the
// result: a moment after expires counts as expires, and a moment at or before
// now is moved slightly into the future so that a misbehaving strategy cannot
// make every call run the command.
type Strategy interface {
	RefreshAt(expires, now time.Time) time.Time
}

// Func adapts an ordinary function to a [Strategy].
type Func func(expires, now time.Time) time.Time

// RefreshAt returns f(expires, now).
func (f Func) RefreshAt(expires, now time.Time) time.Time { return f(expires, now) }

// AfterExpired serves a credential set until it expires. It is the default
// strategy.
type AfterExpired struct{}

var _ Strategy = AfterExpired{}

// RefreshAt returns expires.
func (AfterExpired) RefreshAt(expires, _ time.Time) time.Time { return expires }
