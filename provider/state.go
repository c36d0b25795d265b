package provider

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// condition is what the credentials a provider holds are at a moment, and
// so what a request for them gets. It is derived from the held set, the
// few events that cannot be (a rejection, a failed run) and the clock, by
// [state.condition]; nothing stores it.
//
//	condition  when                                       a request gets
//	cold       no run has returned a set                  a run, waited for
//	fresh      before the set's refresh moment            the set
//	due        from the moment, before the last seconds   the set, and a run behind it
//	expiring   the last seconds before expiry, or later   a run, waited for
//	rejected   a service rejected the set, or the cache   a run, waited for; the set
//	           was invalidated                            comes back only from a run
//	failing    a run failed moments ago, nothing valid    that run's error, no run
//	           held
//
// The events, and the condition they lead to (state_test.go has a row for
// each):
//
//	event                                  from                      to
//	a run returns a set                    any                       fresh
//	a run fails, the held set valid        due                       fresh until the retry, then due
//	                                       expiring                  expiring
//	a background run fails, Stdin set      due                       fresh until the last seconds
//	a run fails, nothing valid held        cold, expiring, rejected  failing, for failureBackoff
//	the failure backoff ends               failing                   cold, expiring or rejected, as before
//	the refresh moment passes              fresh                     due
//	the last seconds begin                 fresh, due                expiring
//	the set is rejected or the cache       fresh, due, expiring      rejected
//	was invalidated
//
// A set that never expires stays fresh until it is rejected.
type condition uint8

const (
	cold condition = iota
	fresh
	due
	expiring
	rejected
	failing
)

var conditionNames = [...]string{"cold", "fresh", "due", "expiring", "rejected", "failing"}

func (c condition) String() string { return conditionNames[c] }

const (
	// minLead is the floor for a refresh moment at or before the fetch (a
	// strategy returning the zero time, now, or a moment in the past): 5
	// seconds after the fetch, or a tenth of the set's lifetime when that
	// is shorter, so that such a strategy runs the command at most once
	// per floor instead of on every call. A moment after the fetch is
	// honoured as given.
	minLead = 5 * time.Second

	// blockingWindow is how close to expiry a set must be for requests to
	// wait for the command instead of using the set while it refreshes in
	// the background, since a request signed later may arrive after
	// expiry: 5 seconds, or a tenth of the set's lifetime when that is
	// shorter.
	blockingWindow = 5 * time.Second

	// failureBackoff is how long the failure of a run is returned to every
	// request, without a run, while no valid credentials are held: a
	// command that fails (or hangs until Options.Timeout) is not run again
	// for each queued request or each retry of an operation. The SDK's own
	// cache waits 1 to 5 seconds after errors it cannot recover from.
	failureBackoff = 2 * time.Second
)

// held is a set a run returned, with the moments fixed when it arrived. It
// is never changed; a new run replaces it.
type held struct {
	creds aws.Credentials
	// gen is the set's generation in the host's shared entry; zero when
	// it is not shared. hostHeld: the host's rejection backoff handed it
	// out, withdrawn or not.
	gen      uint64
	hostHeld bool
	// refreshAt is when the set stops being served as it is: from then on
	// a request starts a run behind it.
	refreshAt time.Time
	// blockFrom is when requests stop using the set and wait for a run.
	blockFrom time.Time
}

// rules are the Options that decide a state's moments.
type rules struct {
	strategy           strategy.Strategy
	minRefreshInterval time.Duration
}

// state is what a provider holds and what came of its last run. The
// provider's mutex guards it. Its methods read no clock: every moment is
// passed in, read as wall-clock time (see provider.clock).
type state struct {
	rules rules

	// set is the newest set a run returned; nil until one did.
	set *held
	// withdrawn: a service rejected set, or the cache was invalidated
	// while holding it. Only a run brings the set back.
	withdrawn bool
	// retryAt is, after a failed run while set was valid, when the next
	// run may start; zero otherwise.
	retryAt time.Time
	// err is the failure of the last run when nothing valid was held, and
	// errUntil the end of its backoff; nil otherwise.
	err      error
	errUntil time.Time
}

// condition derives what the held credentials are at now.
func (s *state) condition(now time.Time) condition {
	switch {
	case s.err != nil && now.Before(s.errUntil):
		return failing
	case s.set == nil:
		return cold
	case s.withdrawn:
		return rejected
	case !s.set.creds.CanExpire:
		return fresh
	case !now.Before(s.set.blockFrom):
		return expiring
	case !now.Before(s.next()):
		return due
	}
	return fresh
}

// next is when the held set falls due: its refresh moment, or the retry
// after a failed run if that is later.
func (s *state) next() time.Time { return later(s.set.refreshAt, s.retryAt) }

// fetched is a run returning c at now. A set from the host's shared
// entry (host not nil) keeps the moments the process that ran the command
// fixed, so that the host refreshes it once. It reports whether c is no
// newer than the set held before (see refreshAt).
func (s *state) fetched(c aws.Credentials, now time.Time, host *hostSet) (unchanged bool) {
	h := &held{creds: c}
	switch {
	case !c.CanExpire:
	case host != nil:
		h.refreshAt, h.blockFrom = earlier(host.refreshAt, c.Expires), blockFrom(c, host.fetchedAt)
	default:
		unchanged = s.unchanged(c)
		h.refreshAt, h.blockFrom = s.refreshAt(c, now), blockFrom(c, now)
	}
	if host != nil {
		h.gen, h.hostHeld = host.gen, host.held
	}
	*s = state{rules: s.rules, set: h}
	return unchanged
}

// refreshAt picks when c, fetched at now, stops being served as it is: the
// strategy's moment if it is after now, else the floor (minLead, scaled for
// short lives); no sooner than MinRefreshInterval when the command handed
// back credentials no newer than those held, so a producer that caches its
// own output is not run on every request; and no later than expiry.
func (s *state) refreshAt(c aws.Credentials, now time.Time) time.Time {
	exp := c.Expires
	at := s.rules.strategy.RefreshAt(exp, now).Round(0)
	if !at.After(now) {
		at = now.Add(min(minLead, exp.Sub(now)/10))
	}
	if s.unchanged(c) {
		at = later(at, now.Add(s.rules.minRefreshInterval))
	}
	return earlier(at, exp)
}

// unchanged reports whether c, just fetched, is no newer than the held
// set: a producer handing back what it cached.
func (s *state) unchanged(c aws.Credentials) bool {
	return s.set != nil && s.set.creds.CanExpire && !c.Expires.After(s.set.creds.Expires)
}

// blockFrom is when requests stop using c, fetched at now, and wait for a
// run: blockingWindow before expiry, or a tenth of the lifetime before
// when that is shorter.
func blockFrom(c aws.Credentials, now time.Time) time.Time {
	return c.Expires.Add(-min(blockingWindow, c.Expires.Sub(now)/10))
}

// failed is a run failing at now with err. A valid held set stays in
// service and the next run waits until failureUntil; it reports true
// then. Otherwise requests get err until the backoff ends.
func (s *state) failed(now time.Time, err error, untilBlocking bool) (fellBack bool) {
	until := s.failureUntil(now, untilBlocking)
	if !s.valid(now) {
		s.err, s.errUntil = err, until
		return false
	}
	s.retryAt = until
	return true
}

// failureUntil is when the next run may start after one failed at now.
// With nothing valid held, after failureBackoff. With a valid set held,
// at the latest when requests block (untilBlocking), else after
// MinRefreshInterval or half the time left, whichever is shorter, but not
// under a second, so that a failing command is not run in a loop as expiry
// nears.
func (s *state) failureUntil(now time.Time, untilBlocking bool) time.Time {
	switch {
	case !s.valid(now):
		return now.Add(failureBackoff)
	case untilBlocking:
		return s.set.blockFrom
	}
	left := s.set.creds.Expires.Sub(now)
	return now.Add(max(min(s.rules.minRefreshInterval, left/2), min(time.Second, left)))
}

// valid reports whether the held set may stay in service at now after a
// failed run: held, not withdrawn, and not expired.
func (s *state) valid(now time.Time) bool {
	return s.set != nil && !s.withdrawn && s.set.creds.CanExpire && s.set.creds.Expires.After(now)
}

// withdraw marks the held set rejected if it is set.
func (s *state) withdraw(set served.Set) {
	if s.set != nil && set.Of(s.set.creds) {
		s.withdrawn = true
	}
}

// withheld reports whether set is the held set and was withdrawn: no run
// returned it since.
func (s *state) withheld(set served.Set) bool {
	return s.set != nil && s.withdrawn && set.Of(s.set.creds)
}

// serves reports whether c is the held set and may be served.
func (s *state) serves(c aws.Credentials) bool {
	return s.set != nil && !s.withdrawn && sameSet(c, s.set.creds)
}

func sameSet(a, b aws.Credentials) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SessionToken == b.SessionToken && a.Expires.Equal(b.Expires)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
