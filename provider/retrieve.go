package provider

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	// blockingWindow is how close to expiry a set must be for callers to
	// wait for the command instead of using the set while it refreshes in
	// the background, since a request signed later may arrive after expiry:
	// 5 seconds, or a tenth of the set's lifetime when that is shorter.
	blockingWindow = 5 * time.Second

	// pollInterval is how often the cache asks again while a background run
	// is in flight, so that a fresh set is picked up soon after it arrives.
	// Each ask costs a lock, not a run.
	pollInterval = time.Second

	// failureBackoff is how long the failure of a run is returned to every
	// caller, without a run, while no valid credentials are held: a command
	// that fails (or hangs until Options.Timeout) is not run again for each
	// queued request or each retry of an operation. The SDK's own cache
	// waits 1 to 5 seconds after errors it cannot recover from.
	failureBackoff = 2 * time.Second

	// minLead is the floor for a refresh moment at or before the fetch (a
	// strategy returning the zero time, now, or a moment in the past): 5
	// seconds after the fetch, or a tenth of the set's lifetime when that
	// is shorter, so that such a strategy runs the command at most once per
	// floor instead of on every call. A moment after the fetch is honoured
	// as given.
	minLead = 5 * time.Second
)

// Retrieve returns credentials from the command.
//
// Through the cache [New] returns, it runs the command and waits for it only
// when no valid credentials are held: on the first call, after expiry, and
// after the cache was invalidated. When the strategy's moment comes while
// the held set is still valid, Retrieve returns that set at once and one
// background run, detached from the caller and bounded by Options.Timeout,
// fetches the next; the cache picks it up within a second of its arrival.
//
// The command runs once at a time: a caller that needs a run while one is
// under way, in the background or for another caller, waits for that one.
// A run that fails while no valid credentials are held fails every caller
// waiting for it, and the callers of the next 2 seconds, without another
// run. Errors are *ProcessError or *OutputError, wrapped so that the SDK's
// retryers do not retry them: an operation runs the command at most once.
//
// Called directly, or through a cache whose ExpiryWindow is zero, Retrieve
// runs the command on every call after a success.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	now := p.clock()
	p.mu.Lock()
	switch p.st.ask(now, p.flight != nil) {
	case serve:
		creds := p.st.creds
		p.mu.Unlock()
		return creds, nil
	case serveBehind:
		creds := p.st.creds
		f := p.startFlight()
		p.mu.Unlock()
		go p.refreshBehind(context.WithoutCancel(ctx), f)
		return creds, nil
	case returnFailed:
		err := p.st.err
		p.mu.Unlock()
		return aws.Credentials{}, err
	}
	f := p.flight
	if f == nil {
		f = p.startFlight()
		p.mu.Unlock()
		p.fly(ctx, f, false)
	} else {
		p.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
	}
	if f.err != nil {
		return aws.Credentials{}, f.err
	}
	p.mu.Lock()
	p.st.take(f.creds)
	p.mu.Unlock()
	return f.creds, nil
}

// retryDelay is how long to wait after a failed run while a set with left
// to live is held: MinRefreshInterval, or half the time left when that is
// shorter, but not under a second, so a failing command is not run in a
// loop as expiry nears.
func (p *Provider) retryDelay(left time.Duration) time.Duration {
	return max(min(p.cfg.options.MinRefreshInterval, left/2), min(time.Second, left))
}

// blockFrom is when callers stop using creds, fetched at now, and wait for
// a run: blockingWindow before expiry, or a tenth of the lifetime before
// when that is shorter.
func blockFrom(creds aws.Credentials, now time.Time) time.Time {
	return creds.Expires.Add(-min(blockingWindow, creds.Expires.Sub(now)/10))
}

// refreshAt picks when creds, fetched at now, stop being served: the
// strategy's moment if it is after now, else the floor (minLead, scaled
// for short lives); no sooner than MinRefreshInterval when the command
// handed back credentials no newer than those held, so a producer that
// caches its own output is not run on every call; and no later than
// expiry.
func (p *Provider) refreshAt(creds aws.Credentials, now time.Time) (at time.Time, unchanged bool) {
	if !creds.CanExpire {
		return time.Time{}, false
	}
	exp := creds.Expires
	at = p.cfg.options.Strategy.RefreshAt(exp, now).Round(0)
	if !at.After(now) {
		at = now.Add(min(minLead, exp.Sub(now)/10))
	}
	if prev := p.st.creds; p.st.phase != cold && prev.CanExpire && !exp.After(prev.Expires) {
		unchanged = true
		at = later(at, now.Add(p.cfg.options.MinRefreshInterval))
	}
	if at.After(exp) {
		at = exp
	}
	return at, unchanged
}

// AdjustExpiresBy sets the Expires of the set Retrieve last returned to the
// moment the cache should ask again: the strategy's moment, or a poll while
// a background refresh is under way. The cache calls it once per stored
// set; the window it passes is ignored. A set of this package's that is no
// longer the one to serve (rejected, or replaced by a background run since
// Retrieve returned it) is stored as expired, so the next call asks again.
// Other credentials are moved by the window, as the cache's default does.
func (p *Provider) AdjustExpiresBy(creds aws.Credentials, window time.Duration) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until, ok := p.st.stored(creds); ok {
		creds.Expires = until
		return creds, nil
	}
	if creds.Source == ProviderName {
		creds.Expires = p.clock()
		return creds, nil
	}
	creds.Expires = creds.Expires.Add(window)
	return creds, nil
}

// HandleFailToRefresh keeps serving the held credentials when a run the
// cache waited for fails before they expire (in the last seconds before
// expiry), until the next attempt. It returns err once they have expired,
// and when the cache was invalidated (prev is then empty): credentials a
// server rejected must not be served again.
func (p *Provider) HandleFailToRefresh(_ context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	if !prev.HasKeys() {
		return aws.Credentials{}, err
	}
	now := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.st.fallBack(now) {
		return aws.Credentials{}, err
	}
	return p.st.creds, nil
}
