package provider

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// phase is where a Provider stands between its command and its cache. The
// table in doc.go lists the phases and what moves between them; keep it in
// step with the methods of state below, which are the only code that
// changes a phase.
type phase uint8

const (
	// cold: nothing held yet. An ask runs the command and waits for it.
	cold phase = iota
	// handing: creds was just returned; the cache is to store it until
	// state.until (AdjustExpiresBy confirms it, moving to serving). An ask
	// in this phase means no cache with a window stored it (Retrieve was
	// called directly), and runs the command.
	handing
	// serving: the cache holds creds until state.until. An ask before
	// then means the cache was invalidated; an ask from then on serves
	// creds and refreshes behind, or waits for a run in the last seconds.
	serving
	// fresh: a background run fetched creds; it is handed over at the next
	// ask, whatever the cache holds.
	fresh
	// withdrawn: creds was rejected or invalidated; it is served again only
	// if a run returns it.
	withdrawn
	// failing: the last run failed with no valid set to fall back on. Asks
	// get state.err until state.next, then run the command again.
	failing
)

var phaseNames = [...]string{"cold", "handing", "serving", "fresh", "withdrawn", "failing"}

func (ph phase) String() string { return phaseNames[ph] }

// state is what the cache holds and what comes next. The Provider's mutex
// guards it; its methods are the transitions and read no clock: every
// moment is passed in, read as wall-clock time (see Provider.clock).
type state struct {
	phase phase
	// creds is the newest set a run returned, with the producer's expiry.
	creds aws.Credentials
	// blockFrom is when callers start to wait for a run rather than use
	// creds: a request signed later might arrive after expiry.
	blockFrom time.Time
	// next is when the next run starts: creds' refresh moment, the retry
	// after a failed run, or, when failing, the end of the backoff.
	next time.Time
	// until is the Expires the cache holds (serving) or is about to store
	// (handing) for creds.
	until time.Time
	// err is the failure returned while failing.
	err error
}

// action is what an ask of the cache leads to.
type action uint8

const (
	serve        action = iota // return creds; the cache stores it until until
	serveBehind                // the same, and start a background run
	runAndWait                 // run the command, or join the run in flight, and wait
	returnFailed               // return err, the failure of a run moments ago
)

// ask is the cache asking for credentials at now; running says a run is in
// flight. Serving ahead hands the set out until the refresh moment, or
// until the next poll while a background run is in flight.
func (s *state) ask(now time.Time, running bool) action {
	switch s.phase {
	case failing:
		if now.Before(s.next) {
			return returnFailed
		}
		return runAndWait
	case serving:
		if now.Before(s.until) {
			// The cache asks before the moment it was given: it was
			// invalidated. Never hand this set out again without a run,
			// even if the run fails and the cache asks once more.
			s.phase = withdrawn
			return runAndWait
		}
	case fresh:
	default: // cold, handing, withdrawn
		return runAndWait
	}
	if !s.creds.CanExpire || !now.Before(s.blockFrom) {
		return runAndWait
	}
	switch {
	case running:
		s.hand(earlier(now.Add(pollInterval), s.blockFrom))
		return serve
	case !now.Before(s.next):
		s.hand(earlier(now.Add(pollInterval), s.blockFrom))
		return serveBehind
	default:
		s.hand(s.next)
		return serve
	}
}

// hand records that creds is returned to the cache, to be stored until.
func (s *state) hand(until time.Time) {
	s.phase, s.until = handing, until
}

// stored is the cache storing c (AdjustExpiresBy). It reports the Expires
// to store it with, or false for a set that is not the one handed out: a
// rejection or a background run came in between.
func (s *state) stored(c aws.Credentials) (time.Time, bool) {
	if (s.phase != handing && s.phase != serving) || !sameSet(c, s.creds) {
		return time.Time{}, false
	}
	s.phase = serving
	return s.until, true
}

// fetched is a run returning c at a moment from which it refreshes at
// refreshAt and blocks callers from blockFrom.
func (s *state) fetched(c aws.Credentials, refreshAt, blockFrom time.Time) {
	*s = state{phase: fresh, creds: c, blockFrom: blockFrom, next: refreshAt}
}

// take hands c, just fetched by a run a caller waited for, to that caller.
func (s *state) take(c aws.Credentials) {
	if s.phase == fresh && sameSet(c, s.creds) {
		s.hand(s.next)
	}
}

// failed is a run failing at now with err. With a valid set held and not
// withdrawn, that set stays in service and the next run starts after
// retry (failing with fallback); it reports true. Otherwise callers get
// err until the backoff ends.
func (s *state) failed(now time.Time, err error, retry func(left time.Duration) time.Duration) bool {
	if s.valid(now) {
		s.next = now.Add(retry(s.creds.Expires.Sub(now)))
		return true
	}
	s.phase, s.err, s.next = failing, err, now.Add(failureBackoff)
	return false
}

// valid reports whether creds may stay in service at now after a failed
// run: it is held, not withdrawn, and not expired.
func (s *state) valid(now time.Time) bool {
	switch s.phase {
	case handing, serving, fresh:
		return s.creds.CanExpire && s.creds.Expires.After(now)
	}
	return false
}

// fallBack is the cache asking to keep its set after a failed run
// (HandleFailToRefresh). It hands creds out until the next attempt and
// reports true if creds is valid; stored reports false once the cache was
// invalidated (the cache then holds no set), which the caller checks.
func (s *state) fallBack(now time.Time) bool {
	if !s.valid(now) {
		return false
	}
	s.hand(s.next)
	return true
}

// reject withdraws creds if it is set.
func (s *state) reject(set served.Set) {
	switch s.phase {
	case handing, serving, fresh:
		if set.Of(s.creds) {
			s.phase = withdrawn
		}
	}
}

// withheld reports whether set was withdrawn and no run returned it since.
func (s *state) withheld(set served.Set) bool {
	return s.phase == withdrawn && set.Of(s.creds)
}

// idle is the RefreshWhenIdle timer firing at now with no run in flight.
// It reports whether to start a background run, or else when to fire
// again (zero: not until a run or a request sets a moment). Unlike a
// request, the timer may run the command in the last seconds before expiry
// or after it: nobody waits for that run, and the next request finds its
// result.
func (s *state) idle(now time.Time) (start bool, again time.Time) {
	switch s.phase {
	case handing, serving, fresh:
		if !s.creds.CanExpire {
			return false, time.Time{}
		}
		if now.Before(s.next) {
			// Early by the wall clock, which a timer does not follow.
			return false, s.next
		}
		return true, time.Time{}
	case failing:
		return true, time.Time{}
	}
	// cold, or withdrawn: requests run the command.
	return false, time.Time{}
}

func sameSet(a, b aws.Credentials) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SessionToken == b.SessionToken && a.Expires.Equal(b.Expires)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
