package provider

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/internal/telemetry"
)

// How aws.CredentialsCache calls its provider, and how a provider answers.
// This file is the only code that knows; sdkcontract_test.go pins each
// assumption against the SDK.
//
//   - The cache calls Retrieve when it holds no set, when the Expires of
//     the set it holds is not after now (by the wall clock), and after
//     Invalidate; one call at a time, with the caller's deadline and
//     cancellation removed.
//   - After each successful Retrieve of a set that can expire it calls
//     AdjustExpiresBy once, because its ExpiryWindow is positive, and
//     holds the set with the Expires that returns. The window's value is
//     not used: a nanosecond turns the hook on.
//   - When Retrieve fails it calls HandleFailToRefresh with the set it
//     held (zero credentials after Invalidate); a set that returns goes
//     through AdjustExpiresBy too.
//
// So the Expires a provider gives the cache is the moment the cache is to
// ask again: the refresh moment while the set is fresh, and a poll a second
// away while a run refreshes it behind. An ask before that moment can only
// mean that the cache was invalidated. The Expires the producer printed
// stays with the provider (and [Expiration]).

// pollInterval is how often the cache asks again while a background run
// is under way, so that a fresh set is picked up soon after it arrives.
// Each ask costs a lock, not a run.
const pollInterval = time.Second

// newCache returns the cache that serves p's credentials: the only caller
// of p's methods below.
func newCache(p *provider) *aws.CredentialsCache {
	// Recorded, so that the middleware can tell the sets this cache served
	// from those of credentials that replaced it, and withdraw a rejected
	// one.
	c := served.NewCache(p, p.withdrawal(), func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = time.Nanosecond
	})
	register(c, p)
	return c
}

// handed is what Retrieve last gave the cache: the set, and the Expires
// the cache holds it with (set by AdjustExpiresBy).
type handed struct {
	creds aws.Credentials
	until time.Time
}

// asksEarly reports whether an ask at now comes before the moment the
// cache was given for the held set: the cache was invalidated. A set that
// never expires was given no moment, so any ask while it is held is one.
func (h handed) asksEarly(s *state, now time.Time) bool {
	return s.set != nil && h.creds.HasKeys() && sameSet(h.creds, s.set.creds) &&
		(!h.creds.CanExpire || now.Before(h.until))
}

var (
	_ aws.CredentialsProvider                       = (*provider)(nil)
	_ aws.CredentialProviderSource                  = (*provider)(nil)
	_ aws.AdjustExpiresByCredentialsCacheStrategy   = (*provider)(nil)
	_ aws.HandleFailRefreshCredentialsCacheStrategy = (*provider)(nil)
)

// Retrieve is the cache asking for credentials. By the held credentials'
// condition it returns them, returns them and starts a run behind them,
// returns the failure of a run moments ago, or runs the command and waits.
func (p *provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	now := p.clock()
	p.mu.Lock()
	if p.handed.asksEarly(&p.st, now) {
		// Never hand this set out again without a run, even if the run
		// fails and the cache asks once more.
		p.st.withdrawn = true
	}
	var waited *flight // the run this call waited for
	for {
		switch cond := p.st.condition(now); {
		case cond == fresh:
			return p.hand(p.st.set.creds, p.st.next())
		case cond == due:
			if p.flight == nil {
				p.start(ctx, true)
			}
			return p.hand(p.st.set.creds, earlier(now.Add(pollInterval), p.st.set.blockFrom))
		case cond == failing:
			err := p.st.err
			p.mu.Unlock()
			p.cfg.meter.Run(ctx, telemetry.Backoff, 0)
			return aws.Credentials{}, err
		case waited != nil:
			// The run this call waited for returned a set that is not to
			// be served as it is (rejected, or in its last seconds): this
			// caller gets it, and the cache asks again at once.
			return p.hand(waited.creds, now)
		}
		f := p.flight
		if f == nil {
			f = p.start(ctx, false)
		}
		f.joined(ctx)
		p.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return aws.Credentials{}, ctx.Err()
		}
		if f.err != nil {
			return aws.Credentials{}, f.err
		}
		now, waited = p.clock(), f
		p.mu.Lock()
	}
}

// hand records that c goes to the cache, to be held until, and returns it.
// The caller holds p.mu; hand releases it.
func (p *provider) hand(c aws.Credentials, until time.Time) (aws.Credentials, error) {
	p.handed = handed{creds: c, until: until}
	p.mu.Unlock()
	return c, nil
}

// AdjustExpiresBy is the cache storing the set Retrieve returned: it gets
// the moment to ask again as its Expires. A set that is no longer the one
// to serve (rejected, or replaced by a background run since Retrieve
// returned it) is stored as expired, so the next call asks again. The
// window is ignored.
func (p *provider) AdjustExpiresBy(c aws.Credentials, _ time.Duration) (aws.Credentials, error) {
	now := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if sameSet(c, p.handed.creds) && p.st.serves(c) {
		c.Expires = p.handed.until
		return c, nil
	}
	c.Expires = now
	if sameSet(c, p.handed.creds) {
		p.handed.until = now
	}
	return c, nil
}

// HandleFailToRefresh is the cache asking to keep its set after a run it
// waited for failed (in the last seconds before expiry): the held set stays
// in service until the next attempt while it is valid. After Invalidate
// (prev is then empty), or once it expired, the cache gets err: a set a
// server rejected must not be served again.
func (p *provider) HandleFailToRefresh(_ context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	if !prev.HasKeys() {
		return aws.Credentials{}, err
	}
	now := p.clock()
	p.mu.Lock()
	if !p.st.valid(now) {
		p.mu.Unlock()
		return aws.Credentials{}, err
	}
	return p.hand(p.st.set.creds, p.st.next())
}

// ProviderSources returns Options.CredentialSources, for the SDK's
// User-Agent.
func (p *provider) ProviderSources() []aws.CredentialSource {
	return p.cfg.options.CredentialSources
}
