package provider_test

// The SDK contract: how aws.CredentialsCache, from the SDK version in
// go.mod, calls the provider that provider.New puts inside it. Each test
// drives a real cache around a probe of its own and names the assumption
// it pins, so that an SDK upgrade that changes the cache fails here first
// (run make compat before upgrading). The tests use nothing of the
// provider's internals; the cache reads time.Now (the SDK's sdk.NowTime by
// default), which synctest's fake clock drives.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/provider"
)

// contractWindow is the ExpiryWindow provider.New sets: any positive window
// makes the cache call AdjustExpiresBy, and the provider ignores its value.
const contractWindow = time.Nanosecond

// errContract is what a failing probe returns.
var errContract = errors.New("probe: run failed")

// contractFails is the Retrieve of a probe whose run fails.
func contractFails(context.Context) (aws.Credentials, error) { return aws.Credentials{}, errContract }

// contractKey carries a value through a caller's context.
type contractKey struct{}

// contractSet is a credential set with key id id that expires at exp, or
// never if exp is zero.
func contractSet(id string, exp time.Time) aws.Credentials {
	return aws.Credentials{
		AccessKeyID:     id,
		SecretAccessKey: "probe-secret-" + id,
		Source:          "probe",
		CanExpire:       !exp.IsZero(),
		Expires:         exp,
	}
}

// contractView is what the tests compare of a set: never its secret.
type contractView struct {
	AccessKeyID string
	CanExpire   bool
	Expires     time.Time
}

// contractOf returns what the tests compare of c.
func contractOf(c aws.Credentials) contractView {
	return contractView{c.AccessKeyID, c.CanExpire, c.Expires}
}

// contractProbe is a credentials provider that records how the cache calls
// it. Its funcs answer the calls; a nil one gives the default noted beside
// it. It implements every interface the provider does.
type contractProbe struct {
	sources  []aws.CredentialSource                                                 // nil: [aws.CredentialSourceProcess]
	retrieve func(context.Context) (aws.Credentials, error)                         // nil: a set valid for an hour
	adjust   func(aws.Credentials, time.Duration) (aws.Credentials, error)          // nil: the set unchanged, as the provider ignores the duration
	fallback func(context.Context, aws.Credentials, error) (aws.Credentials, error) // nil: the error

	mu       sync.Mutex // guards the fields below
	calls    []string
	adjusted []aws.Credentials // AdjustExpiresBy's arguments
	prevs    []aws.Credentials // HandleFailToRefresh's held sets
	errs     []error           // HandleFailToRefresh's errors
	ctxs     []context.Context // the contexts of Retrieve and HandleFailToRefresh
}

var (
	_ aws.CredentialsProvider                       = (*contractProbe)(nil)
	_ aws.AdjustExpiresByCredentialsCacheStrategy   = (*contractProbe)(nil)
	_ aws.HandleFailRefreshCredentialsCacheStrategy = (*contractProbe)(nil)
	_ aws.CredentialProviderSource                  = (*contractProbe)(nil)
)

func (p *contractProbe) record(method string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, method)
}

func (p *contractProbe) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.record("Retrieve")
	p.mu.Lock()
	p.ctxs = append(p.ctxs, ctx)
	p.mu.Unlock()
	if p.retrieve == nil {
		return contractSet("AKIDPROBE", time.Now().Add(time.Hour)), nil
	}
	return p.retrieve(ctx)
}

func (p *contractProbe) AdjustExpiresBy(c aws.Credentials, d time.Duration) (aws.Credentials, error) {
	p.record("AdjustExpiresBy")
	p.mu.Lock()
	p.adjusted = append(p.adjusted, c)
	p.mu.Unlock()
	if p.adjust == nil {
		return c, nil
	}
	return p.adjust(c, d)
}

func (p *contractProbe) HandleFailToRefresh(ctx context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	p.record("HandleFailToRefresh")
	p.mu.Lock()
	p.prevs, p.errs, p.ctxs = append(p.prevs, prev), append(p.errs, err), append(p.ctxs, ctx)
	p.mu.Unlock()
	if p.fallback == nil {
		return aws.Credentials{}, err
	}
	return p.fallback(ctx, prev, err)
}

func (p *contractProbe) ProviderSources() []aws.CredentialSource {
	if p.sources == nil {
		return []aws.CredentialSource{aws.CredentialSourceProcess}
	}
	return p.sources
}

// IsCredentialsProvider reports whether target is a *contractTarget.
func (p *contractProbe) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	p.record("IsCredentialsProvider")
	_, ok := target.(*contractTarget)
	return ok
}

// contractTarget is the provider type the probe claims to stand for.
type contractTarget struct{ aws.AnonymousCredentials }

// log returns the calls so far.
func (p *contractProbe) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

// count returns how many times the cache called method.
func (p *contractProbe) count(method string) int {
	n := 0
	for _, c := range p.log() {
		if c == method {
			n++
		}
	}
	return n
}

// contractCache returns a real cache around p with the given ExpiryWindow.
func contractCache(p *contractProbe, window time.Duration) *aws.CredentialsCache {
	return aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = window })
}

// contractGate makes a probe's Retrieve block until it is opened.
type contractGate chan struct{}

func (g contractGate) retrieve(set aws.Credentials) func(context.Context) (aws.Credentials, error) {
	return func(context.Context) (aws.Credentials, error) {
		<-g
		return set, nil
	}
}

func TestSDKContractRetrieveOnlyWhenDue(t *testing.T) {
	const assumption = "the cache calls Retrieve on the first call, once the held Expires is not after now, and after Invalidate; never otherwise"
	tests := []struct {
		name       string
		life       time.Duration // of the held set; zero: it never expires
		wait       time.Duration // after the first call
		invalidate bool
		want       int // Retrieve calls after the first
	}{
		{name: "held set valid a nanosecond longer", life: time.Hour, wait: time.Hour - time.Nanosecond, want: 0},
		{name: "held set at its Expires", life: time.Hour, wait: time.Hour, want: 1},
		{name: "held set past its Expires", life: time.Hour, wait: 3 * time.Hour, want: 1},
		{name: "held set never expires", wait: 10000 * time.Hour, want: 0},
		{name: "held set invalidated", life: time.Hour, invalidate: true, want: 1},
		{name: "non-expiring set invalidated", invalidate: true, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &contractProbe{retrieve: func(context.Context) (aws.Credentials, error) {
					var exp time.Time
					if tt.life > 0 {
						exp = time.Now().Add(tt.life)
					}
					return contractSet("AKIDPROBE", exp), nil
				}}
				c := contractCache(p, contractWindow)
				mustRetrieve(t, c)
				if got := p.count("Retrieve"); got != 1 {
					t.Fatalf("%s: Retrieve calls after the first CredentialsCache.Retrieve = %d; want 1", assumption, got)
				}
				time.Sleep(tt.wait)
				if tt.invalidate {
					c.Invalidate()
				}
				mustRetrieve(t, c)
				mustRetrieve(t, c)
				if got := p.count("Retrieve") - 1; got != tt.want {
					t.Errorf("%s: Retrieve calls after %v = %d; want %d", assumption, tt.wait, got, tt.want)
				}
			})
		})
	}
}

func TestSDKContractConcurrentCallersShareOneRetrieve(t *testing.T) {
	const assumption = "callers that find no valid set share one Retrieve (singleflight)"
	tests := []struct {
		name string
		held bool // a set is held and expired when the callers arrive
	}{
		{name: "first call"},
		{name: "held set expired", held: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				open := make(contractGate)
				p := &contractProbe{}
				c := contractCache(p, contractWindow)
				base := 0
				if tt.held {
					mustRetrieve(t, c)
					time.Sleep(time.Hour)
					base = 1
				}
				p.retrieve = open.retrieve(contractSet("AKIDSHARED", time.Now().Add(time.Hour)))

				const callers = 8
				got := make([]string, callers)
				var wg sync.WaitGroup
				for i := range callers {
					wg.Go(func() {
						creds, err := c.Retrieve(t.Context())
						if err != nil {
							t.Errorf("caller %d: CredentialsCache.Retrieve() error = %v", i, err)
						}
						got[i] = creds.AccessKeyID
					})
				}
				synctest.Wait() // every caller waits in the cache
				if n := p.count("Retrieve") - base; n != 1 {
					t.Errorf("%s: Retrieve calls with %d callers waiting = %d; want 1", assumption, callers, n)
				}
				close(open)
				wg.Wait()
				for i, id := range got {
					if id != "AKIDSHARED" {
						t.Errorf("%s: caller %d got AccessKeyID %q; want %q", assumption, i, id, "AKIDSHARED")
					}
				}
				if n := p.count("Retrieve") - base; n != 1 {
					t.Errorf("%s: Retrieve calls for %d callers = %d; want 1", assumption, callers, n)
				}
			})
		})
	}
}

func TestSDKContractRetrieveContextIsDetached(t *testing.T) {
	const assumption = "Retrieve gets the caller's context values without its deadline or cancellation, and its result is stored after the caller gave up"
	tests := []struct {
		name    string
		end     func(cancel context.CancelFunc) // how the caller's context ends while Retrieve runs
		wantErr error
	}{
		{name: "caller cancelled", end: func(cancel context.CancelFunc) { cancel() }, wantErr: context.Canceled},
		{name: "caller's deadline passed", end: func(context.CancelFunc) { time.Sleep(time.Minute) }, wantErr: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				open := make(contractGate)
				p := &contractProbe{retrieve: open.retrieve(contractSet("AKIDDETACHED", time.Now().Add(time.Hour)))}
				c := contractCache(p, contractWindow)

				ctx := context.WithValue(t.Context(), contractKey{}, "caller's value")
				ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				done := make(chan error, 1)
				go func() {
					_, err := c.Retrieve(ctx)
					done <- err
				}()
				synctest.Wait() // Retrieve is running
				tt.end(cancel)
				if err := <-done; !errors.Is(err, tt.wantErr) {
					t.Errorf("CredentialsCache.Retrieve(ended ctx) error = %v; want %v", err, tt.wantErr)
				}

				if n := p.count("Retrieve"); n != 1 {
					t.Fatalf("%s: Retrieve calls = %d; want 1", assumption, n)
				}
				p.mu.Lock()
				got := p.ctxs[0]
				p.mu.Unlock()
				if v := got.Value(contractKey{}); v != "caller's value" {
					t.Errorf("%s: Retrieve's ctx.Value(key) = %v; want %q", assumption, v, "caller's value")
				}
				if d, ok := got.Deadline(); ok {
					t.Errorf("%s: Retrieve's ctx.Deadline() = %v, true; want no deadline", assumption, d)
				}
				if err := got.Err(); err != nil {
					t.Errorf("%s: Retrieve's ctx.Err() after the caller's ctx ended = %v; want nil", assumption, err)
				}
				select {
				case <-got.Done():
					t.Errorf("%s: Retrieve's ctx.Done() is closed after the caller's ctx ended", assumption)
				default:
				}

				close(open)
				synctest.Wait() // the refresh stored its result
				if got := mustRetrieve(t, c).AccessKeyID; got != "AKIDDETACHED" {
					t.Errorf("%s: AccessKeyID after the abandoned refresh = %q; want %q", assumption, got, "AKIDDETACHED")
				}
				if n := p.count("Retrieve"); n != 1 {
					t.Errorf("%s: Retrieve calls = %d; want 1 (the abandoned refresh's set is held)", assumption, n)
				}
			})
		})
	}
}

func TestSDKContractAdjustExpiresByOncePerSet(t *testing.T) {
	const assumption = "with ExpiryWindow > 0 the cache calls AdjustExpiresBy once per stored expiring set, right after Retrieve; with ExpiryWindow 0, or a set that cannot expire, never"
	tests := []struct {
		name   string
		window time.Duration
		life   time.Duration // zero: the sets never expire
		want   []string
	}{
		{
			name: "positive window", window: contractWindow, life: time.Hour,
			want: []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "AdjustExpiresBy"},
		},
		{
			name: "large window", window: 2 * time.Hour, life: time.Hour,
			want: []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "AdjustExpiresBy"},
		},
		{
			name: "zero window", window: 0, life: time.Hour,
			want: []string{"Retrieve", "Retrieve"},
		},
		{
			name: "positive window, set never expires", window: contractWindow,
			want: []string{"Retrieve", "Retrieve"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &contractProbe{retrieve: func(context.Context) (aws.Credentials, error) {
					var exp time.Time
					if tt.life > 0 {
						exp = time.Now().Add(tt.life)
					}
					return contractSet("AKIDPROBE", exp), nil
				}}
				c := contractCache(p, tt.window)
				for range 3 {
					mustRetrieve(t, c)
				}
				time.Sleep(time.Minute)
				mustRetrieve(t, c)
				if tt.life > 0 {
					time.Sleep(tt.life)
				} else {
					c.Invalidate()
				}
				for range 3 {
					mustRetrieve(t, c)
				}
				if diff := cmp.Diff(tt.want, p.log()); diff != "" {
					t.Errorf("%s: calls (-want +got):\n%s", assumption, diff)
				}
			})
		})
	}
}

func TestSDKContractAdjustedExpiresIsWhatTheCacheHolds(t *testing.T) {
	const assumption = "AdjustExpiresBy gets the set Retrieve returned, and the Expires it returns is what the cache hands out and compares with the clock"
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		fetched := contractSet("AKIDPROBE", start.Add(time.Hour))
		p := &contractProbe{
			retrieve: func(context.Context) (aws.Credentials, error) { return fetched, nil },
			adjust: func(c aws.Credentials, _ time.Duration) (aws.Credentials, error) {
				c.Expires = time.Now().Add(10 * time.Minute) // the provider's refresh moment
				return c, nil
			},
		}
		c := contractCache(p, contractWindow)
		got := mustRetrieve(t, c)
		p.mu.Lock()
		adjusted := contractViews(p.adjusted)
		p.mu.Unlock()
		if diff := cmp.Diff([]contractView{contractOf(fetched)}, adjusted); diff != "" {
			t.Errorf("%s: AdjustExpiresBy's argument (-want +got):\n%s", assumption, diff)
		}
		want := fetched
		want.Expires = start.Add(10 * time.Minute)
		if diff := cmp.Diff(contractOf(want), contractOf(got)); diff != "" {
			t.Errorf("%s: CredentialsCache.Retrieve() (-want +got):\n%s", assumption, diff)
		}

		time.Sleep(10*time.Minute - time.Nanosecond)
		mustRetrieve(t, c)
		if n := p.count("Retrieve"); n != 1 {
			t.Errorf("%s: Retrieve calls a nanosecond before the adjusted Expires = %d; want 1", assumption, n)
		}
		time.Sleep(time.Nanosecond)
		mustRetrieve(t, c)
		if n := p.count("Retrieve"); n != 2 {
			t.Errorf("%s: Retrieve calls at the adjusted Expires, 50 minutes before the fetched one = %d; want 2", assumption, n)
		}
	})
}

func TestSDKContractHandleFailToRefresh(t *testing.T) {
	const assumption = "when Retrieve fails the cache calls HandleFailToRefresh with the held set (zero after Invalidate or before any), in the detached context, and puts what it returns through AdjustExpiresBy"
	tests := []struct {
		name     string
		prime    bool // a first Retrieve stores a set that expires after a minute
		wait     time.Duration
		invalid  bool
		wantPrev func(held aws.Credentials) aws.Credentials
		want     []string
	}{
		{
			name: "held set expired", prime: true, wait: time.Minute,
			wantPrev: func(held aws.Credentials) aws.Credentials { return held },
			want:     []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "HandleFailToRefresh", "AdjustExpiresBy"},
		},
		{
			name: "held set invalidated", prime: true, invalid: true,
			wantPrev: func(aws.Credentials) aws.Credentials { return aws.Credentials{} },
			want:     []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "HandleFailToRefresh", "AdjustExpiresBy"},
		},
		{
			name:     "first call",
			wantPrev: func(aws.Credentials) aws.Credentials { return aws.Credentials{} },
			want:     []string{"Retrieve", "HandleFailToRefresh", "AdjustExpiresBy"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &contractProbe{
					adjust: func(c aws.Credentials, _ time.Duration) (aws.Credentials, error) {
						if c.AccessKeyID == "AKIDFALLBACK" {
							c.Expires = c.Expires.Add(-time.Minute)
						}
						return c, nil
					},
				}
				c := contractCache(p, contractWindow)
				var held aws.Credentials
				if tt.prime {
					p.retrieve = func(context.Context) (aws.Credentials, error) {
						return contractSet("AKIDHELD", time.Now().Add(time.Minute)), nil
					}
					held = mustRetrieve(t, c)
				}
				time.Sleep(tt.wait)
				if tt.invalid {
					c.Invalidate()
				}
				p.retrieve = contractFails
				fallback := contractSet("AKIDFALLBACK", time.Now().Add(5*time.Minute))
				p.fallback = func(context.Context, aws.Credentials, error) (aws.Credentials, error) { return fallback, nil }

				ctx := context.WithValue(t.Context(), contractKey{}, "caller's value")
				ctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				got, err := c.Retrieve(ctx)
				if err != nil {
					t.Fatalf("%s: CredentialsCache.Retrieve() error = %v; want the fallback set", assumption, err)
				}

				if diff := cmp.Diff(tt.want, p.log()); diff != "" {
					t.Fatalf("%s: calls (-want +got):\n%s", assumption, diff)
				}
				p.mu.Lock()
				prev, ferr, fctx := p.prevs[0], p.errs[0], p.ctxs[len(p.ctxs)-1]
				adjusted := p.adjusted[len(p.adjusted)-1]
				p.mu.Unlock()
				if diff := cmp.Diff(contractOf(tt.wantPrev(held)), contractOf(prev)); diff != "" {
					t.Errorf("%s: HandleFailToRefresh's held set (-want +got):\n%s", assumption, diff)
				}
				if !errors.Is(ferr, errContract) {
					t.Errorf("%s: HandleFailToRefresh's error = %v; want Retrieve's %v", assumption, ferr, errContract)
				}
				if v := fctx.Value(contractKey{}); v != "caller's value" {
					t.Errorf("%s: HandleFailToRefresh's ctx.Value(key) = %v; want %q", assumption, v, "caller's value")
				}
				if d, ok := fctx.Deadline(); ok {
					t.Errorf("%s: HandleFailToRefresh's ctx.Deadline() = %v, true; want no deadline", assumption, d)
				}
				if diff := cmp.Diff(contractOf(fallback), contractOf(adjusted)); diff != "" {
					t.Errorf("%s: AdjustExpiresBy's argument after the fallback (-want +got):\n%s", assumption, diff)
				}
				want := fallback
				want.Expires = fallback.Expires.Add(-time.Minute)
				if diff := cmp.Diff(contractOf(want), contractOf(got)); diff != "" {
					t.Errorf("%s: CredentialsCache.Retrieve() (-want +got):\n%s", assumption, diff)
				}
			})
		})
	}
}

func TestSDKContractFailureReachesTheCaller(t *testing.T) {
	const assumption = "when HandleFailToRefresh returns an error the cache returns it wrapped, stores nothing, and calls Retrieve again on the next call (no backoff of its own)"
	synctest.Test(t, func(t *testing.T) {
		p := &contractProbe{}
		c := contractCache(p, contractWindow)
		p.retrieve = func(context.Context) (aws.Credentials, error) {
			return contractSet("AKIDHELD", time.Now().Add(time.Minute)), nil
		}
		mustRetrieve(t, c)
		time.Sleep(time.Minute)
		p.retrieve = contractFails

		for i := range 3 {
			got, err := c.Retrieve(t.Context())
			if !errors.Is(err, errContract) {
				t.Errorf("%s: call %d: CredentialsCache.Retrieve() error = %v; want one wrapping %v", assumption, i, err, errContract)
			}
			if got.HasKeys() {
				t.Errorf("%s: call %d: CredentialsCache.Retrieve() = %s with the error; want no set", assumption, i, got.AccessKeyID)
			}
		}
		if n := p.count("Retrieve"); n != 4 {
			t.Errorf("%s: Retrieve calls = %d; want 4 (one set, then one per failed call)", assumption, n)
		}
		if n := p.count("HandleFailToRefresh"); n != 3 {
			t.Errorf("%s: HandleFailToRefresh calls = %d; want 3", assumption, n)
		}
	})
}

func TestSDKContractInvalidateDuringRefresh(t *testing.T) {
	const assumption = "Invalidate during a refresh does not stop that refresh's set from being stored"
	tests := []struct {
		name string
		held bool // a set is held and expired when the refresh starts
	}{
		{name: "first call"},
		{name: "held set expired", held: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &contractProbe{}
				c := contractCache(p, contractWindow)
				base := 0
				if tt.held {
					mustRetrieve(t, c)
					time.Sleep(time.Hour)
					base = 1
				}
				open := make(contractGate)
				p.retrieve = open.retrieve(contractSet("AKIDINFLIGHT", time.Now().Add(time.Hour)))
				done := make(chan aws.Credentials, 1)
				go func() {
					creds, err := c.Retrieve(t.Context())
					if err != nil {
						t.Errorf("CredentialsCache.Retrieve() error = %v", err)
					}
					done <- creds
				}()
				synctest.Wait() // Retrieve is running
				c.Invalidate()
				close(open)
				if got := (<-done).AccessKeyID; got != "AKIDINFLIGHT" {
					t.Errorf("%s: the waiting caller got AccessKeyID %q; want %q", assumption, got, "AKIDINFLIGHT")
				}
				if got := mustRetrieve(t, c).AccessKeyID; got != "AKIDINFLIGHT" {
					t.Errorf("%s: AccessKeyID after the refresh = %q; want %q", assumption, got, "AKIDINFLIGHT")
				}
				if n := p.count("Retrieve") - base; n != 1 {
					t.Errorf("%s: Retrieve calls for the refresh and the call after it = %d; want 1", assumption, n)
				}
			})
		})
	}
}

func TestSDKContractDelegation(t *testing.T) {
	const assumption = "IsCredentialsProvider and ProviderSources delegate to the provider"
	sources := []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}
	p := &contractProbe{sources: sources}
	c := contractCache(p, contractWindow)
	tests := []struct {
		target aws.CredentialsProvider
		want   bool
	}{
		{&contractTarget{}, true},
		{aws.AnonymousCredentials{}, false},
	}
	for _, tt := range tests {
		if got := c.IsCredentialsProvider(tt.target); got != tt.want {
			t.Errorf("%s: CredentialsCache.IsCredentialsProvider(%T) = %v; want %v", assumption, tt.target, got, tt.want)
		}
	}
	if n := p.count("IsCredentialsProvider"); n != len(tests) {
		t.Errorf("%s: the provider's IsCredentialsProvider calls = %d; want %d", assumption, n, len(tests))
	}
	if diff := cmp.Diff(sources, c.ProviderSources()); diff != "" {
		t.Errorf("%s: CredentialsCache.ProviderSources() (-want +got):\n%s", assumption, diff)
	}
}

// A later SDK's cache picks its refresh path from the last entry of the
// provider's ProviderSources: STS, SSO, IMDS, HTTP and login sources get
// lifetime-scaled advisory windows, a failure backoff of its own and no
// calls to the strategy hooks. The provider relies on the legacy path; each
// row below fails if the cache moves a provider that reports a process
// source last onto another one.
func TestSDKContractLegacyPathForProcessSources(t *testing.T) {
	const assumption = "the cache keeps a provider whose last ProviderSources entry is aws.CredentialSourceProcess on the legacy path"
	sources := []struct {
		name    string
		sources []aws.CredentialSource
	}{
		{"process", []aws.CredentialSource{aws.CredentialSourceProcess}},
		{"profile process", []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			t.Run("no advisory window", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					// A 2-hour set: the other path would refresh an hour early.
					p := &contractProbe{sources: src.sources, retrieve: func(context.Context) (aws.Credentials, error) {
						return contractSet("AKIDPROBE", time.Now().Add(2*time.Hour)), nil
					}}
					c := contractCache(p, 0)
					mustRetrieve(t, c)
					time.Sleep(2*time.Hour - time.Nanosecond)
					mustRetrieve(t, c)
					if n := p.count("Retrieve"); n != 1 {
						t.Errorf("%s: Retrieve calls a nanosecond before a 2-hour set expires = %d; want 1", assumption, n)
					}
				})
			})
			t.Run("AdjustExpiresBy is called", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := &contractProbe{sources: src.sources}
					c := contractCache(p, contractWindow)
					mustRetrieve(t, c)
					if diff := cmp.Diff([]string{"Retrieve", "AdjustExpiresBy"}, p.log()); diff != "" {
						t.Errorf("%s: calls (-want +got):\n%s", assumption, diff)
					}
				})
			})
			t.Run("no failure backoff", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := &contractProbe{sources: src.sources}
					c := contractCache(p, contractWindow)
					mustRetrieve(t, c)
					time.Sleep(time.Hour)
					p.retrieve = contractFails
					for range 2 {
						if _, err := c.Retrieve(t.Context()); !errors.Is(err, errContract) {
							t.Errorf("%s: CredentialsCache.Retrieve() after a failed refresh error = %v; want %v, not the expired set", assumption, err, errContract)
						}
					}
					want := []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "HandleFailToRefresh", "Retrieve", "HandleFailToRefresh"}
					if diff := cmp.Diff(want, p.log()); diff != "" {
						t.Errorf("%s: calls (-want +got):\n%s", assumption, diff)
					}
				})
			})
			t.Run("a rejected set is refreshed through the hooks", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					p := &contractProbe{sources: src.sources}
					c := contractCache(p, contractWindow)
					r, ok := any(c).(interface{ InvalidateCredentials(aws.Credentials) })
					if !ok {
						t.Skip("this SDK's aws.CredentialsCache has no InvalidateCredentials")
					}
					held := mustRetrieve(t, c)
					r.InvalidateCredentials(held)
					p.retrieve = contractFails
					if _, err := c.Retrieve(t.Context()); !errors.Is(err, errContract) {
						t.Errorf("%s: CredentialsCache.Retrieve() after InvalidateCredentials and a failed refresh error = %v; want %v, not the rejected set", assumption, err, errContract)
					}
					want := []string{"Retrieve", "AdjustExpiresBy", "Retrieve", "HandleFailToRefresh"}
					if diff := cmp.Diff(want, p.log()); diff != "" {
						t.Errorf("%s: calls (-want +got):\n%s", assumption, diff)
					}
				})
			})
		})
	}
}

func TestSDKContractNewReportsAProcessSourceLast(t *testing.T) {
	const assumption = "the caches provider.New and provider.NewArgs return report aws.CredentialSourceProcess last, which keeps them on the legacy path"
	tests := []struct {
		name  string
		cache *aws.CredentialsCache
	}{
		{"New", provider.New("credential-producer --profile dev")},
		{"NewArgs", provider.NewArgs([]string{"credential-producer", "--profile", "dev"})},
		{"New with an SSO source", provider.New("credential-producer", func(o *provider.Options) {
			o.CredentialSources = []aws.CredentialSource{aws.CredentialSourceSSO}
		})},
	}
	for _, tt := range tests {
		got := tt.cache.ProviderSources()
		if len(got) == 0 || got[len(got)-1] != aws.CredentialSourceProcess {
			t.Errorf("%s: %s(...).ProviderSources() = %v; want aws.CredentialSourceProcess last", assumption, tt.name, got)
		}
	}
}

// contractViews returns what the tests compare of each set.
func contractViews(cs []aws.Credentials) []contractView {
	var vs []contractView
	for _, c := range cs {
		vs = append(vs, contractOf(c))
	}
	return vs
}
