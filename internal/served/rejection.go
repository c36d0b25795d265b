package served

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Rejection backoff: a service that rejects a cache's credentials for good
// (a deactivated key, a revoked session, a broker that keeps returning
// either) would otherwise make every operation run the command, hundreds of
// times a second. The first rejection refreshes the cache at once, since it
// usually means only that the set expired early. A rejection that follows
// it, of whatever set, refreshes again only once the backoff has passed:
// 2 seconds, doubling with each consecutive rejection up to 5 minutes. A
// set the service accepts ends the backoff.
const (
	firstRejectionBackoff = 2 * time.Second
	maxRejectionBackoff   = 5 * time.Minute
)

// RejectionBackoff is how long after the nth consecutive rejection that
// refreshed a cache (n >= 1) a rejection may refresh it again.
func RejectionBackoff(n int) time.Duration {
	return min(firstRejectionBackoff<<min(max(n, 1)-1, 16), maxRejectionBackoff)
}

// Verdict is what a rejection of a cache's set leads to.
type Verdict uint8

const (
	// Refresh: the caller refreshes the cache for this rejection, then
	// calls the done function Rejected returned.
	Refresh Verdict = iota
	// Join: another caller is refreshing, or has just refreshed, the
	// cache for a rejection of this same set. The caller waits for that
	// refresh and uses what the cache then holds, without a run.
	Join
	// Hold: the backoff is on. Nothing runs; the caller returns the
	// service's error, and the cache keeps serving what it holds.
	Hold
)

// Guard is the rejection backoff of one cache. Its zero value is ready;
// it is safe for concurrent use.
type Guard struct {
	// on is count > 0, for a lock-free look from every successful
	// operation; written under mu.
	on atomic.Bool

	mu sync.Mutex // guards the fields below
	// count is the number of consecutive rejections that refreshed the
	// cache; zero when the backoff is off.
	count int
	// next is the end of the backoff: before it, no rejection of another
	// set than last refreshes the cache.
	next time.Time
	// last is the set whose rejection refreshed the cache last.
	last Set
	// done is closed when that refresh has ended.
	done chan struct{}
}

// Ruling is what a rejection leads to: its [Verdict], when the backoff
// ends, and, by verdict, the channel to wait on or the function to call
// once done.
type Ruling struct {
	Verdict Verdict
	// Until is the end of the backoff.
	Until time.Time
	// Wait, with Join, is closed once the refresh for the same set ended.
	Wait <-chan struct{}
	// Done, with Refresh, is to be called once the refresh ended.
	Done func()
}

// Rejected decides what a rejection of set at now leads to.
func (g *Guard) Rejected(d Set, now time.Time) Ruling {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.count > 0 && now.Before(g.next) {
		if d == g.last {
			return Ruling{Verdict: Join, Until: g.next, Wait: g.done}
		}
		return Ruling{Verdict: Hold, Until: g.next}
	}
	g.count++
	g.on.Store(true)
	g.next = now.Add(RejectionBackoff(g.count))
	g.last = d
	done := make(chan struct{})
	g.done = done
	return Ruling{Verdict: Refresh, Until: g.next, Done: sync.OnceFunc(func() { close(done) })}
}

// Count reports the consecutive rejections that refreshed the cache.
func (g *Guard) Count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.count
}

// Accepted ends the backoff: a service accepted the cache's newest set.
func (g *Guard) Accepted() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.count, g.next = 0, time.Time{}
	g.on.Store(false)
}

// On reports whether the backoff is on.
func (g *Guard) On() bool { return g.on.Load() }

// guards holds the rejection backoff of caches NewCache did not make,
// keyed weakly by cache; a recorded cache keeps its own.
var guards sync.Map // weak.Pointer[aws.CredentialsCache] -> *Guard

// GuardOf returns the rejection backoff of cache c.
func GuardOf(c *aws.CredentialsCache) *Guard {
	if r, ok := lookup(c); ok {
		return &r.guard
	}
	key := weakKey(c)
	if g, ok := guards.Load(key); ok {
		return g.(*Guard)
	}
	g, loaded := guards.LoadOrStore(key, new(Guard))
	if !loaded {
		forget(c, key, &guards)
	}
	return g.(*Guard)
}

// Newest reports whether set is the newest the cache c served. It is true
// for any set of a cache NewCache did not make, which keeps no record.
func Newest(c *aws.CredentialsCache, set Set) bool {
	r, ok := lookup(c)
	if !ok {
		return true
	}
	return r.rec.newest(set)
}
