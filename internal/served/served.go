// Package served is what the replay middleware knows of a cache: which
// credential sets it handed out, so that a service's rejection of a set can
// be traced to the cache that served it and a set it never served is left
// alone; its rejection backoff; and, for a cache of this module's provider,
// how to withdraw a rejected set from that provider.
//
// aws.CredentialsCache does not say what it wraps or what it served; a cache
// made by [NewCache] wraps its provider in a recorder and is registered
// here. Sets are known by their digest ([Set]), never by the session token
// itself.
package served

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// size is how many sets a record keeps: enough for every set a cache hands
// out while requests signed with an older one are still in flight.
const size = 8

// Set identifies a credential set by a digest of its access key id and
// session token, so that it can be kept and printed without the token. A
// set is known by its key and token alone: the secret key is not on a
// signed request.
type Set [sha256.Size]byte

// SetOf returns the Set of the credentials with this access key id and
// session token.
func SetOf(accessKeyID, sessionToken string) Set {
	h := sha256.New()
	h.Write([]byte(accessKeyID))
	h.Write([]byte{0})
	h.Write([]byte(sessionToken))
	var s Set
	h.Sum(s[:0])
	return s
}

// Of reports whether s is the set of c.
func (s Set) Of(c aws.Credentials) bool { return SetOf(c.AccessKeyID, c.SessionToken) == s }

// Format prints a short prefix of the digest, for logs and tests.
func (s Set) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "set:%x", s[:4]) }

// entry is one set a provider returned.
type entry struct {
	set       Set
	canExpire bool
	expires   time.Time // as the provider returned it, before the cache adjusts it
}

// record is a ring of the last size sets a provider returned.
type record struct {
	mu      sync.Mutex // guards entries and next
	entries [size]entry
	next    int
}

func (r *record) add(c aws.Credentials) {
	e := entry{set: SetOf(c.AccessKeyID, c.SessionToken), canExpire: c.CanExpire, expires: c.Expires}
	r.mu.Lock()
	defer r.mu.Unlock()
	if last := &r.entries[(r.next+size-1)%size]; last.set == e.set {
		*last = e // the same set again: keep older ones in the ring
		return
	}
	r.entries[r.next] = e
	r.next = (r.next + 1) % size
}

// newest reports whether set is the last one added.
func (r *record) newest(set Set) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries[(r.next+size-1)%size].set == set
}

func (r *record) find(d Set) (entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.entries {
		if e.set == d {
			return e, true
		}
	}
	return entry{}, false
}

// recorders maps each cache NewCache made to the recorder inside it. The
// keys are weak; an entry goes with its cache.
var recorders sync.Map // weak.Pointer[aws.CredentialsCache] -> *recorder

// Withdrawal is how a provider of this module takes back a set a service
// rejected; see [Reject] and [Withheld]. Either func may be nil.
type Withdrawal struct {
	// Reject withdraws set if the provider holds it: from then on the
	// provider hands it out again only if a new run returns it, never from
	// what it holds, even while it is valid by its expiry.
	Reject func(Set)
	// Withheld reports whether the provider holds set and withholds it
	// after Reject.
	Withheld func(Set) bool
	// Accepted tells the provider that a service accepted the newest set
	// it served, during a rejection backoff.
	Accepted func()
	// Check reports, before an operation, whether the set the cache holds
	// was replaced or withdrawn elsewhere (another process sharing it), so
	// that the cache is to be invalidated first.
	Check func() bool
}

// NewCache returns aws.NewCredentialsCache(p, optFns...) with p wrapped so
// that [Served] can tell the sets it returned, and [Reject] and [Withheld]
// reach w. The wrapper passes the cache's optional strategy interfaces and
// IsCredentialsProvider through to p, so the cache behaves as if it held p
// itself.
func NewCache(p aws.CredentialsProvider, w Withdrawal, optFns ...func(*aws.CredentialsCacheOptions)) *aws.CredentialsCache {
	r := &recorder{inner: p, rec: &record{}, withdrawal: w}
	c := aws.NewCredentialsCache(r, optFns...)
	key := weakKey(c)
	recorders.Store(key, r)
	forget(c, key, &recorders)
	return c
}

func weakKey(c *aws.CredentialsCache) weak.Pointer[aws.CredentialsCache] { return weak.Make(c) }

// forget removes c's entry from m once c is collected.
func forget(c *aws.CredentialsCache, key weak.Pointer[aws.CredentialsCache], m *sync.Map) {
	runtime.AddCleanup(c, func(k weak.Pointer[aws.CredentialsCache]) { m.Delete(k) }, key)
}

// Reject tells the provider behind c that a service rejected set; see
// [Withdrawal]. It does nothing for a cache NewCache did not make, or whose
// provider cannot withdraw a set.
func Reject(c *aws.CredentialsCache, set Set) {
	if r, ok := lookup(c); ok && r.withdrawal.Reject != nil {
		r.withdrawal.Reject(set)
	}
}

// Withheld reports whether the provider behind c holds set and withholds
// it after [Reject]: no run returned it since. A cache that serves such a
// set got it from a refresh that began before the rejection. It is false
// for a cache NewCache did not make.
func Withheld(c *aws.CredentialsCache, set Set) bool {
	r, ok := lookup(c)
	return ok && r.withdrawal.Withheld != nil && r.withdrawal.Withheld(set)
}

// Accepted tells the provider behind c that a service accepted its newest
// set; see [Withdrawal].
func Accepted(c *aws.CredentialsCache) {
	if r, ok := lookup(c); ok && r.withdrawal.Accepted != nil {
		r.withdrawal.Accepted()
	}
}

// Checker returns the Check of the provider behind c, or nil when there is
// none to make.
func Checker(c *aws.CredentialsCache) func() bool {
	if r, ok := lookup(c); ok {
		return r.withdrawal.Check
	}
	return nil
}

// Served reports whether the cache c handed out set, among its last few
// sets. known is false for a cache NewCache did not make: it keeps no
// record.
func Served(c *aws.CredentialsCache, set Set) (served, known bool) {
	r, ok := lookup(c)
	if !ok {
		return false, false
	}
	_, served = r.rec.find(set)
	return served, true
}

// Expires returns the expiry the wrapped provider gave the set with this
// access key id and session token, before the cache adjusted it, and
// whether the cache served that set and it can expire.
func Expires(c *aws.CredentialsCache, accessKeyID, sessionToken string) (time.Time, bool) {
	r, ok := lookup(c)
	if !ok {
		return time.Time{}, false
	}
	e, ok := r.rec.find(SetOf(accessKeyID, sessionToken))
	return e.expires, ok && e.canExpire
}

func lookup(c *aws.CredentialsCache) (*recorder, bool) {
	v, ok := recorders.Load(weakKey(c))
	if !ok {
		return nil, false
	}
	return v.(*recorder), true
}

// recorder is the provider inside a cache NewCache made.
type recorder struct {
	inner      aws.CredentialsProvider
	rec        *record
	withdrawal Withdrawal
	guard      Guard // the cache's rejection backoff
}

var (
	_ aws.CredentialsProvider                       = (*recorder)(nil)
	_ aws.CredentialProviderSource                  = (*recorder)(nil)
	_ aws.AdjustExpiresByCredentialsCacheStrategy   = (*recorder)(nil)
	_ aws.HandleFailRefreshCredentialsCacheStrategy = (*recorder)(nil)
)

// Retrieve implements [aws.CredentialsProvider].
func (r *recorder) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := r.inner.Retrieve(ctx)
	if err == nil {
		r.rec.add(c)
	}
	return c, err
}

// AdjustExpiresBy passes through to the wrapped provider, or moves Expires
// by d as the cache does for a provider without the method.
func (r *recorder) AdjustExpiresBy(c aws.Credentials, d time.Duration) (aws.Credentials, error) {
	if a, ok := r.inner.(aws.AdjustExpiresByCredentialsCacheStrategy); ok {
		return a.AdjustExpiresBy(c, d)
	}
	if c.CanExpire {
		c.Expires = c.Expires.Add(d)
	}
	return c, nil
}

// HandleFailToRefresh passes through to the wrapped provider, or returns
// err as the cache does for a provider without the method.
func (r *recorder) HandleFailToRefresh(ctx context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	h, ok := r.inner.(aws.HandleFailRefreshCredentialsCacheStrategy)
	if !ok {
		return aws.Credentials{}, err
	}
	c, err := h.HandleFailToRefresh(ctx, prev, err)
	if err == nil {
		r.rec.add(c)
	}
	return c, err
}

// ProviderSources passes through to the wrapped provider.
func (r *recorder) ProviderSources() []aws.CredentialSource {
	if s, ok := r.inner.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return []aws.CredentialSource{}
}

// IsCredentialsProvider reports whether the wrapped provider is of target's
// type, for aws.CredentialsCache.IsCredentialsProvider.
func (r *recorder) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(r.inner, target)
}
