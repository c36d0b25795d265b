package provider

import (
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// register ties p's background work to the cache c that holds it: the
// idle timer starts, and stops when c is collected.
func register(c *aws.CredentialsCache, p *provider) {
	runtime.AddCleanup(c, func(p *provider) { p.stop() }, p)
	p.watchIdle()
}

// withdrawal is how the replay middleware reaches p through its cache
// (served.Reject and served.Withheld) when a service rejects a set.
func (p *provider) withdrawal() served.Withdrawal {
	w := served.Withdrawal{
		// From then on p hands the set out again only if a new run of the
		// command returns it, never from what it holds, even while the set
		// is valid by its expiry and even when the run that should replace
		// it fails.
		Reject: func(set served.Set) {
			p.mu.Lock()
			var gen uint64
			if p.st.set != nil && set.Of(p.st.set.creds) && !p.st.withdrawn {
				gen = p.st.set.gen
			}
			p.st.withdraw(set)
			p.mu.Unlock()
			if p.cfg.shared != nil {
				// The other processes sharing the set stop serving it.
				p.withdrawHost(gen)
			}
		},
		// A cache that serves a withheld set got it from a refresh that
		// began before the rejection; invalidating the cache once more
		// makes the next Retrieve run the command.
		Withheld: func(set served.Set) bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.st.withheld(set)
		},
	}
	if p.cfg.shared != nil {
		w.Accepted = p.accepted
		w.Check = p.check
	}
	return w
}
