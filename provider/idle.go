package provider

import (
	"context"
	"time"
)

// scheduleIdle arms the RefreshWhenIdle timer for at, replacing any armed
// one. The caller holds p.mu.
func (p *Provider) scheduleIdle(at time.Time) {
	if p.idle != nil {
		p.idle.Reset(max(at.Sub(p.clock()), 0))
	}
}

// refreshIdle starts the background run that a request would have started
// at the refresh moment, had one come, unless a run is already in flight
// (its end arms the timer again).
func (p *Provider) refreshIdle() {
	now := p.clock()
	p.mu.Lock()
	if p.idle == nil || p.flight != nil {
		p.mu.Unlock()
		return
	}
	start, again := p.st.idle(now)
	if !start {
		if !again.IsZero() {
			p.scheduleIdle(again)
		}
		p.mu.Unlock()
		return
	}
	f := p.startFlight()
	p.mu.Unlock()
	p.refreshBehind(context.Background(), f)
}

// watchIdle creates the stopped RefreshWhenIdle timer of a Provider that a
// cache of this package's wraps; the first fetch arms it.
func (p *Provider) watchIdle() {
	if !p.cfg.options.RefreshWhenIdle {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = time.AfterFunc(time.Hour, p.refreshIdle)
	p.idle.Stop()
}

// stop disarms the timer for good; the cache is gone.
func (p *Provider) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle != nil {
		p.idle.Stop()
		p.idle = nil
	}
}
