package provider

import (
	"runtime"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// register ties p's background work to the cache c that holds it: the
// idle timer starts, and stops when c is collected.
func register(c *aws.CredentialsCache, p *Provider) {
	runtime.AddCleanup(c, func(p *Provider) { p.stop() }, p)
	p.watchIdle()
}

// Reject tells the provider behind creds that a service rejected the
// credential set with this access key id and session token: from then on
// the provider hands that set out again only if a new run of the command
// returns it, never from what it holds, even while the set is valid by its
// expiry and even when the run that should replace it fails. Call it before
// invalidating the cache; [github.com/seed-dcc28122/credprocess/middleware]
// does.
//
// Reject does nothing for a cache this package did not create, or when the
// provider no longer holds that set. It is safe for concurrent use.
func Reject(creds *aws.CredentialsCache, accessKeyID, sessionToken string) {
	p, ok := registered(creds)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.st.reject(accessKeyID, sessionToken)
}

// Withheld reports whether the provider behind creds holds the set with this
// access key id and session token and withholds it after [Reject]: it was
// not returned again by a run since. A cache that serves such a set got it
// from a refresh that began before the rejection; invalidating the cache
// once more makes the next Retrieve run the command. Withheld is false for
// a cache this package did not create.
func Withheld(creds *aws.CredentialsCache, accessKeyID, sessionToken string) bool {
	p, ok := registered(creds)
	if !ok {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st.withheld(accessKeyID, sessionToken)
}

// registered returns the Provider inside a cache this package made (see
// cache): the one served.NewCache wraps.
func registered(creds *aws.CredentialsCache) (*Provider, bool) {
	p, ok := served.Provider(creds)
	if !ok {
		return nil, false
	}
	pp, ok := p.(*Provider)
	return pp, ok
}
