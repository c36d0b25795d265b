package provider

import (
	"context"
	"time"
)

// scheduleIdle arms the RefreshWhenIdle timer for at, replacing any armed
// one. The caller holds p.mu.
func (p *Provider) scheduleIdle(at time.Time) {
	if !p.cfg.options.RefreshWhenIdle || !p.cached || p.stopped {
		return
	}
	if p.idle != nil {
		p.idle.Stop()
	}
	p.idle = time.AfterFunc(max(at.Sub(p.now()), 0), p.refreshIdle)
}

// refreshIdle starts the background run that a request would have started
// at the refresh moment, had one come. The timer is armed only once a set
// is held, and a stopped provider arms none.
func (p *Provider) refreshIdle() {
	now := p.now()
	p.mu.Lock()
	h := p.held
	due := later(h.refreshAt, p.nextAttempt)
	// Unlike a request, the timer may start the run in the last seconds
	// before expiry or after it: nobody waits for it, and the next request
	// then finds the new set.
	start := !p.refreshing && h.creds.CanExpire && !h.withdrawn
	switch {
	case start && now.Before(due):
		// The timer ran early by the wall clock: try again when due.
		p.scheduleIdle(due)
		start = false
	case start:
		p.refreshing = true
		p.background.Add(1)
	}
	p.mu.Unlock()
	if start {
		p.refreshBehind(context.Background())
	}
}

// stop disarms the timer for good; the cache is gone. Only the first call
// touches the timer.
func (p *Provider) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	if p.idle != nil {
		p.idle.Stop()
		p.idle = nil
	}
}
