package middleware

import (
	"context"

	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/singleflight"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// refresher replaces rejected credentials in a cache at most once per
// rejected credential set, however many requests report the rejection.
type refresher struct {
	creds *aws.CredentialsCache
	guard *served.Guard // the cache's rejection backoff
	// check, for a cache that shares its sets with other processes,
	// reports whether they replaced or withdrew the set it holds; nil
	// otherwise.
	check func() bool
	sf    singleflight.Group // keyed by the rejected set
}

// refresh makes the cache hold credentials other than rejected and reports
// whether it now does. It invalidates the cache only while the cache still
// holds exactly the rejected set, so that requests failing after a refresh
// reuse its result instead of invalidating the fresh credentials again.
//
// aws.CredentialsCache has no way to peek at its value; Retrieve serves it
// from an atomic load while it is valid, and the rejected set usually is
// valid by its own Expiration, which is why the server had to say otherwise.
func (r *refresher) refresh(ctx context.Context, rejected signer) (bool, error) {
	// Told first which set was rejected, a credprocess provider runs the
	// command rather than serve that set again, whether it would refresh
	// ahead of expiry or fall back to it after a failed run.
	served.Reject(r.creds, rejected)
	cur, err := r.creds.Retrieve(ctx)
	if err != nil {
		return false, err
	}
	if !rejected.Of(cur) {
		return true, nil
	}

	// Callers that saw the rejected set join one flight. A caller that arrives
	// after the flight ended starts a new one, which finds the cache already
	// refreshed and does not invalidate again.
	ch := r.sf.DoChan(string(rejected[:]), func() (any, error) {
		// The flight serves every waiter: one caller's cancellation must not
		// fail the others. The provider bounds the run with its own timeout.
		ctx := context.WithoutCancel(ctx)
		cur, err := r.creds.Retrieve(ctx)
		if err != nil {
			return false, err
		}
		for try := 0; rejected.Of(cur); try++ {
			// Again only if a credprocess provider says the set it served
			// is one it withholds: a refresh that began before the
			// rejection stored it after the invalidation. The same set
			// fresh from a run means the command hands back what it holds.
			if try == 2 || try == 1 && !served.Withheld(r.creds, rejected) {
				break
			}
			r.creds.Invalidate()
			if cur, err = r.creds.Retrieve(ctx); err != nil {
				return false, err
			}
		}
		return !rejected.Of(cur), nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return false, res.Err
		}
		return res.Val.(bool), nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// changed reports whether the cache now holds credentials other than
// rejected, without invalidating it.
func (r *refresher) changed(ctx context.Context, rejected signer) (bool, error) {
	cur, err := r.creds.Retrieve(ctx)
	if err != nil {
		return false, err
	}
	return !rejected.Of(cur), nil
}

// drop makes sure the cache no longer serves rejected, without a replay:
// it reports the rejection and invalidates the cache if the cache still
// holds that set, so the next operation runs the command. Looking costs a
// run only if the cache is empty, and that run serves the next operation.
// Within the rejection backoff it does nothing: the cache keeps the set
// until the backoff ends.
func (r *refresher) drop(ctx context.Context, rejected signer) {
	ruling := r.guard.Rejected(rejected, time.Now())
	if ruling.Verdict != served.Refresh {
		return
	}
	defer ruling.Done()
	served.Reject(r.creds, rejected)
	if cur, err := r.creds.Retrieve(ctx); err == nil && rejected.Of(cur) {
		r.creds.Invalidate()
	}
}
