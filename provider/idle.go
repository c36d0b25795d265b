package provider

import (
	"context"
	"time"
)

// scheduleIdle arms the RefreshWhenIdle timer for at, replacing any armed
// one. The caller holds p.mu.
func (p *provider) scheduleIdle(at time.Time) {
	if p.idle != nil {
		p.idle.Reset(max(at.Sub(p.clock()), 0))
	}
}

// refreshIdle starts the background run that a request would have started
// at the refresh moment, had one come, unless a run is already under way
// (its end arms the timer again). Unlike a request, the timer may run the
// command in the last seconds before expiry or after it: nobody waits for
// that run, and the next request finds its result.
func (p *provider) refreshIdle() {
	now := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle == nil || p.flight != nil {
		return
	}
	switch p.st.condition(now) {
	case fresh:
		if p.st.set.creds.CanExpire {
			// Early by the wall clock, which a timer does not follow.
			p.scheduleIdle(p.st.next())
		}
	case due, expiring:
		p.start(context.Background(), true)
	case failing:
		p.scheduleIdle(p.st.errUntil)
	}
	// cold, rejected: requests run the command.
}

// watchIdle creates the stopped RefreshWhenIdle timer of a provider; the
// first fetch arms it.
func (p *provider) watchIdle() {
	if !p.cfg.options.RefreshWhenIdle {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = time.AfterFunc(time.Hour, p.refreshIdle)
	p.idle.Stop()
}

// stop disarms the timer for good; the cache is gone.
func (p *provider) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle != nil {
		p.idle.Stop()
		p.idle = nil
	}
}
