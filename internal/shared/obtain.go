package shared

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// Request is one process's need of a slot's entry.
type Request struct {
	// Now reads the wall clock.
	Now func() time.Time
	// Timeout bounds the wait for the lock and the run together.
	Timeout time.Duration
	// Usable reports whether e, read at now, serves the request without a
	// run. It is called with entries whose set is neither withdrawn nor
	// expired.
	Usable func(e *Entry, now time.Time) bool
	// Run runs the command within timeout: what is left of Timeout after
	// the wait for the lock, and at least half of Timeout.
	Run func(ctx context.Context, timeout time.Duration) Outcome
	// Rejected: the run is to replace a set that a service rejected, so the
	// host's rejection backoff applies to it.
	Rejected bool
}

// Outcome is what a run came to.
type Outcome struct {
	// Creds and RefreshAt, when the run succeeded.
	Creds     aws.Credentials
	RefreshAt time.Time
	// Failure, when it failed.
	Failure *Failure
}

// Result is what Obtain came to.
type Result struct {
	// Entry is the entry that answers the request: one read (another
	// process ran the command), or the one this process wrote. With
	// Failure set and Ran false, another process's run failed moments ago.
	Entry *Entry
	// Ran reports whether this process ran the command.
	Ran bool
	// Held reports that the host's rejection backoff is on: Entry's set is
	// to be used as it is, without a run, even if it was withdrawn.
	Held bool
	// Waited is how long the lock took.
	Waited time.Duration
	// WriteErr is why the entry could not be written after a run; the
	// run's outcome stands.
	WriteErr error
}

// rejectionsForget is how long after the end of the host's last rejection
// backoff a new rejection counts as the first again: the set in between
// was in service without one.
const rejectionsForget = 10 * time.Minute

// Obtain answers r from the slot: with the entry if it is usable, else
// with one run for the host. The others that need a run meanwhile wait for
// the lock and then use what the run wrote, or, within its backoff, the
// failure it recorded.
//
// An error means the slot could not be used (an unsafe file, a
// filesystem without locks, a lock wait past Timeout): the caller runs
// the command itself, unshared.
func (sl *Slot) Obtain(ctx context.Context, r Request) (Result, error) {
	if e, err := sl.Read(); err != nil {
		return Result{}, err
	} else if usable(e, r) {
		return Result{Entry: e}, nil
	}
	start := time.Now()
	deadline := r.Now().Add(r.Timeout)
	var written *Entry // what another process wrote while this one waited
	l, err := sl.lockOr(ctx, deadline, func() bool {
		e, err := sl.Read()
		if err == nil && usable(e, r) {
			written = e
			return true
		}
		return false
	})
	if errors.Is(err, errDone) {
		return Result{Entry: written, Waited: time.Since(start)}, nil
	}
	if err != nil {
		return Result{}, err
	}
	defer l.Unlock()
	res := Result{Waited: time.Since(start)}
	e, err := sl.Read()
	if err != nil {
		return Result{}, err
	}
	now := r.Now()
	switch {
	case usable(e, r):
		// Another process ran the command while this one waited.
		res.Entry = e
		return res, nil
	case e != nil && e.Failure != nil && now.Before(e.Failure.Until):
		res.Entry = e
		return res, nil
	case e != nil && e.Creds.HasKeys() && now.Before(e.Rejections.Next):
		// The host's rejection backoff is on: whatever this process
		// needs, it serves the set as it is, rejected or not, as one
		// process alone would until the backoff ends.
		res.Entry, res.Held = e, true
		return res, nil
	}

	// A run that replaces a withdrawn set replaces a rejected one, whoever
	// asks for it: the host's rejection backoff counts it.
	rejected := r.Rejected || e != nil && e.Withdrawn && e.Creds.HasKeys()
	out := r.Run(ctx, max(time.Until(deadline), r.Timeout/2))
	now = r.Now()
	next := &Entry{Program: sl.program}
	if e != nil {
		*next = *e
	}
	if rejected {
		n := next.Rejections.Count
		if now.Sub(next.Rejections.Next) > rejectionsForget {
			n = 0
		}
		next.Rejections = Rejections{Count: n + 1, Next: now.Add(served.RejectionBackoff(n + 1))}
	}
	if out.Failure != nil {
		next.Failure = out.Failure
		next.Withdrawn = next.Withdrawn || rejected
	} else {
		next.Generation++
		next.Creds, next.FetchedAt, next.RefreshAt = out.Creds, now, out.RefreshAt
		next.Withdrawn, next.Failure = false, nil
	}
	res.Entry, res.Ran = next, true
	res.WriteErr = sl.Write(next)
	return res, nil
}

// usable reports whether e answers r without a run.
func usable(e *Entry, r Request) bool {
	now := r.Now()
	return e.HasSet(now) && r.Usable(e, now)
}

// Accepted ends the host's rejection backoff once a service accepted the
// set of generation gen, if the slot's lock is free now: it is a courtesy
// to the next rejection, and must not wait for a run.
func (sl *Slot) Accepted(gen uint64) {
	sl.amend(gen, func(e *Entry) bool {
		if e.Rejections.Count == 0 {
			return false
		}
		e.Rejections = Rejections{}
		return true
	})
}

// Withdraw marks the set of generation gen withdrawn, if the entry still
// holds it and the slot's lock is free now: other processes then stop
// serving it (each looks at the entry before an operation) without waiting
// for this one's run, which replaces the entry anyway.
func (sl *Slot) Withdraw(gen uint64) {
	sl.amend(gen, func(e *Entry) bool {
		if e.Withdrawn {
			return false
		}
		e.Withdrawn = true
		return true
	})
}

// amend rewrites the entry with change, if the slot's lock is free now and
// the entry holds the set of generation gen, when change reports that it
// changed something. Neither caller may wait for a run, and a write that
// fails loses only a courtesy: the next run rewrites the entry.
func (sl *Slot) amend(gen uint64, change func(*Entry) bool) {
	l, err := sl.Lock(context.Background(), time.Now())
	if err != nil {
		return
	}
	defer l.Unlock()
	e, err := sl.Read()
	if err != nil || e == nil || e.Generation != gen || !change(e) {
		return
	}
	sl.Write(e) //nolint:errcheck // see above
}
