// Package served remembers which credential sets a cache handed out, so
// that a service's rejection of a set can be traced to the cache that
// served it, and a set a cache never served is left alone.
//
// aws.CredentialsCache does not say what it wraps or what it served; a cache
// made by [NewCache] wraps its provider in a recorder and is registered
// here. The record holds digests, never the session token itself.
package served

import (
	"context"
	"crypto/sha256"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// size is how many sets a record keeps: enough for every set a cache hands
// out while requests signed with an older one are still in flight.
const size = 8

type digest [sha256.Size]byte

func digestOf(accessKeyID, sessionToken string) digest {
	h := sha256.New()
	h.Write([]byte(accessKeyID))
	h.Write([]byte{0})
	h.Write([]byte(sessionToken))
	var d digest
	h.Sum(d[:0])
	return d
}

// entry is one set a provider returned.
type entry struct {
	set       digest
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
	e := entry{set: digestOf(c.AccessKeyID, c.SessionToken), canExpire: c.CanExpire, expires: c.Expires}
	r.mu.Lock()
	defer r.mu.Unlock()
	if last := &r.entries[(r.next+size-1)%size]; last.set == e.set {
		*last = e // the same set again: keep older ones in the ring
		return
	}
	r.entries[r.next] = e
	r.next = (r.next + 1) % size
}

func (r *record) find(accessKeyID, sessionToken string) (entry, bool) {
	d := digestOf(accessKeyID, sessionToken)
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

// NewCache returns aws.NewCredentialsCache(p, optFns...) with p wrapped so
// that [Served] can tell the sets it returned. The wrapper passes the
// cache's optional strategy interfaces and IsCredentialsProvider through to
// p, so the cache behaves as if it held p itself.
func NewCache(p aws.CredentialsProvider, optFns ...func(*aws.CredentialsCacheOptions)) *aws.CredentialsCache {
	r := &recorder{inner: p, rec: &record{}}
	c := aws.NewCredentialsCache(r, optFns...)
	key := weak.Make(c)
	recorders.Store(key, r)
	runtime.AddCleanup(c, func(k weak.Pointer[aws.CredentialsCache]) { recorders.Delete(k) }, key)
	return c
}

// Provider returns the provider a cache NewCache made wraps: what the cache
// holds, since aws.CredentialsCache does not expose it. ok is false for a
// cache NewCache did not make.
func Provider(c *aws.CredentialsCache) (p aws.CredentialsProvider, ok bool) {
	r, ok := lookup(c)
	if !ok {
		return nil, false
	}
	return r.inner, true
}

// Served reports whether the cache c handed out the set with this access
// key id and session token, among its last few sets. known is false for a
// cache NewCache did not make: it keeps no record.
func Served(c *aws.CredentialsCache, accessKeyID, sessionToken string) (served, known bool) {
	r, ok := lookup(c)
	if !ok {
		return false, false
	}
	_, served = r.rec.find(accessKeyID, sessionToken)
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
	e, ok := r.rec.find(accessKeyID, sessionToken)
	return e.expires, ok && e.canExpire
}

func lookup(c *aws.CredentialsCache) (*recorder, bool) {
	v, ok := recorders.Load(weak.Make(c))
	if !ok {
		return nil, false
	}
	return v.(*recorder), true
}

// recorder is the provider inside a cache NewCache made.
type recorder struct {
	inner aws.CredentialsProvider
	rec   *record
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
