package provider

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

const (
	// blockingWindow is how close to expiry a set must be for callers to
	// wait for the command instead of using the set while it refreshes in
	// the background, since a request signed later may arrive after expiry:
	// 5 seconds, or a tenth of the set's lifetime when that is shorter.
	blockingWindow = 5 * time.Second

	// pollInterval is how often the cache asks again while a background run
	// is in flight or waits to be retried, so that a fresh set is picked up
	// soon after it arrives. Each ask costs a lock, not a run.
	pollInterval = time.Second
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
// Called directly, or through a cache whose ExpiryWindow is zero, Retrieve
// runs the command every time. Errors are *ProcessError or *OutputError.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if creds, ok := p.serveAhead(ctx); ok {
		return creds, nil
	}
	h, err := p.fetch(ctx, false)
	if err != nil {
		return aws.Credentials{}, err
	}
	p.mu.Lock()
	p.handed = h
	p.mu.Unlock()
	return h.creds, nil
}

// serveAhead returns a held set without waiting for the command, starting a
// background run if the strategy's moment has come. It declines, and the
// caller runs the command, for a cold start, a set within blockingWindow of
// expiry, a set withdrawn by Reject, and a cache that asks before the moment
// it was given, which means it was invalidated (this withdraws the set).
func (p *Provider) serveAhead(ctx context.Context) (aws.Credentials, bool) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.held
	if h == nil || !h.creds.CanExpire || !now.Before(h.blockFrom) || h.withdrawn {
		return aws.Credentials{}, false
	}
	if !h.fresh && (p.servedUntil.IsZero() || now.Before(p.servedUntil)) {
		// Invalidated: never hand this set out again without a run, even if
		// the run fails and the cache asks once more.
		h.withdrawn = true
		return aws.Credentials{}, false
	}
	if h.fresh {
		h.fresh = false
		p.handed = h
		return h.creds, true
	}
	if !p.refreshing && !now.Before(p.nextAttempt) {
		p.refreshing = true
		p.background.Add(1)
		go p.refreshBehind(context.WithoutCancel(ctx))
	}
	poll := now.Add(pollInterval)
	if poll.After(h.blockFrom) {
		poll = h.blockFrom
	}
	p.handed = &heldSet{creds: h.creds, refreshAt: poll, blockFrom: h.blockFrom}
	return h.creds, true
}

// refreshBehind runs the command for serveAhead. A failure leaves the held
// set in service and schedules the next attempt.
func (p *Provider) refreshBehind(ctx context.Context) {
	defer p.background.Done()
	p.logf(ctx, logging.Debug, "refreshing in the background")
	_, err := p.fetch(ctx, true)

	now := p.now()
	p.mu.Lock()
	p.refreshing = false
	var retry time.Time
	h := p.held
	if err != nil {
		retry = now.Add(p.retryDelay(h.creds.Expires.Sub(now)))
		p.nextAttempt = retry
		p.scheduleIdle(retry)
	}
	p.mu.Unlock()
	if err != nil {
		p.warnServing(ctx, h, retry, err)
	}
}

// warnServing reports a failed run after which the held set h stays in
// service until the next attempt at retry.
func (p *Provider) warnServing(ctx context.Context, h *heldSet, retry time.Time, err error) {
	p.logf(ctx, logging.Warn, "refresh failed, serving credentials %s that expire at %s; next attempt at %s: %v",
		mask(h.creds.AccessKeyID), stamp(h.creds.Expires), stamp(retry), err)
}

// retryDelay is how long to wait after a failed run while a set with left
// to live is held: MinRefreshInterval, or half the time left when that is
// shorter, but not under a second, so a failing command is not run in a
// loop as expiry nears, nor after it.
func (p *Provider) retryDelay(left time.Duration) time.Duration {
	if left <= 0 {
		// Only RefreshWhenIdle retries past expiry; requests then wait for
		// runs of their own.
		return p.cfg.options.MinRefreshInterval
	}
	return max(min(p.cfg.options.MinRefreshInterval, left/2), min(time.Second, left))
}

// fetch runs the command, parses its output and holds the result. A set
// fetched in the background is marked fresh for serveAhead to hand over.
func (p *Provider) fetch(ctx context.Context, background bool) (*heldSet, error) {
	res, err := p.run(ctx, p.cfg.cmd)
	if err != nil {
		return nil, err
	}
	now := p.now()
	out, err := execjson.Parse(res.Stdout, now)
	if err != nil {
		oe := err.(*execjson.OutputError)
		oe.Program, oe.Stderr = p.cfg.cmd.Program(), res.Stderr
		return nil, oe
	}
	creds := aws.Credentials{
		AccessKeyID:     out.AccessKeyID,
		SecretAccessKey: out.SecretAccessKey,
		SessionToken:    out.SessionToken,
		AccountID:       out.AccountID,
		Source:          ProviderName,
		CanExpire:       out.CanExpire,
		Expires:         out.Expires,
	}

	p.mu.Lock()
	refreshAt, unchanged := p.refreshAt(creds, p.held, now)
	h := &heldSet{creds: creds, refreshAt: refreshAt, fresh: background,
		blockFrom: creds.Expires.Add(-min(blockingWindow, creds.Expires.Sub(now)/10))}
	p.held = h
	p.nextAttempt = time.Time{}
	if creds.CanExpire {
		p.scheduleIdle(refreshAt)
	}
	p.mu.Unlock()

	if !creds.CanExpire {
		p.logf(ctx, logging.Debug, "credentials %s do not expire (ran %v)", mask(creds.AccessKeyID), res.Duration.Round(time.Millisecond))
	} else {
		note := ""
		if unchanged {
			note = ", no newer than those held"
		}
		p.logf(ctx, logging.Debug, "credentials %s expire at %s%s; next refresh at %s (ran %v)",
			mask(creds.AccessKeyID), stamp(creds.Expires), note, stamp(refreshAt), res.Duration.Round(time.Millisecond))
	}
	return h, nil
}

// refreshAt picks when creds stop being served: the strategy's moment,
// clamped to (now, expiry], and no sooner than MinRefreshInterval when the
// command handed back credentials no newer than prev, so a producer that
// caches its own output is not run on every call.
func (p *Provider) refreshAt(creds aws.Credentials, prev *heldSet, now time.Time) (at time.Time, unchanged bool) {
	if !creds.CanExpire {
		return time.Time{}, false
	}
	exp := creds.Expires
	at = p.cfg.options.Strategy.RefreshAt(exp, now)
	at = later(at, now.Add(minLead))
	if prev != nil && prev.creds.CanExpire && !exp.After(prev.creds.Expires) {
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
// set; the window it passes is ignored. Other credentials are moved by the
// window, as the cache's default does.
func (p *Provider) AdjustExpiresBy(creds aws.Credentials, window time.Duration) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.held; h != nil && h.withdrawn && sameSet(creds, h.creds) {
		// Handed out just before Reject, and stored by the cache after it
		// was invalidated: store it expired, so the next call runs the
		// command instead of serving it.
		creds.Expires = p.now()
		return creds, nil
	}
	if h := p.handed; h != nil && sameSet(creds, h.creds) {
		creds.Expires = h.refreshAt
		p.servedUntil = h.refreshAt
		return creds, nil
	}
	creds.Expires = creds.Expires.Add(window)
	return creds, nil
}

// HandleFailToRefresh keeps serving the held credentials when a run the
// cache waited for fails before they expire (in the last seconds before
// expiry), and schedules the next attempt. It returns err once they have
// expired, and when the cache was invalidated (prev is then empty):
// credentials a server rejected must not be served again.
func (p *Provider) HandleFailToRefresh(ctx context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	if !prev.HasKeys() {
		return aws.Credentials{}, err
	}
	now := p.now()
	p.mu.Lock()
	h := p.held
	valid := h.holds(prev.AccessKeyID, prev.SessionToken) && !h.withdrawn &&
		h.creds.CanExpire && h.creds.Expires.After(now)
	var retry time.Time
	if valid {
		retry = now.Add(p.retryDelay(h.creds.Expires.Sub(now)))
		p.held = &heldSet{creds: h.creds, refreshAt: retry, blockFrom: h.blockFrom}
		p.handed = p.held
		p.scheduleIdle(retry)
	}
	p.mu.Unlock()
	if !valid {
		return aws.Credentials{}, err
	}
	p.warnServing(ctx, h, retry, err)
	return h.creds, nil
}
