package middleware_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// timedProvider is a rotatingProvider that notes when, since start, each
// call came.
type timedProvider struct {
	rotatingProvider
	start time.Time

	mu    sync.Mutex // guards at
	calls []time.Duration
}

func (p *timedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	p.calls = append(p.calls, time.Since(p.start))
	p.mu.Unlock()
	return p.rotatingProvider.Retrieve(ctx)
}

func (p *timedProvider) at() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Duration(nil), p.calls...)
}

// TestRejectionBackoffSchedule: a service that rejects every set, fresh or
// not, with operations four times a second for ten minutes: the provider
// runs at the start, for the first rejection, and then once per backoff
// interval, 2 seconds doubling up to 5 minutes. Once the service accepts
// the held set again, the backoff is over: the next rejection refreshes at
// once.
func TestRejectionBackoffSchedule(t *testing.T) {
	for _, same := range []bool{false, true} {
		name := map[bool]string{false: "fresh set per run", true: "same set every run"}[same]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &timedProvider{rotatingProvider: rotatingProvider{same: same}, start: time.Now()}
				creds := aws.NewCredentialsCache(p)
				var accept atomic.Bool
				svc := &fakeService{reject: func(string) string {
					if accept.Load() {
						return ""
					}
					return "InvalidClientTokenId"
				}}
				retry := middleware.RetryOnAuthFailure(creds)
				op := func() error {
					_, err := invoke(t, opStack(creds, nil, false), svc, retry)
					return err
				}

				for range 10 * 60 * 4 {
					if code := awstest.ErrorCode(t, op()); code != "InvalidClientTokenId" {
						t.Fatalf("error code = %q; want InvalidClientTokenId", code)
					}
					time.Sleep(250 * time.Millisecond)
				}
				var want []time.Duration
				for _, s := range []int{0, 0, 2, 6, 14, 30, 62, 126, 254, 510} {
					want = append(want, time.Duration(s)*time.Second)
				}
				if diff := cmp.Diff(want, p.at()); diff != "" {
					t.Fatalf("provider calls, since the start (-want +got):\n%s", diff)
				}

				accept.Store(true)
				if err := op(); err != nil {
					t.Fatalf("operation with the held set accepted: %v", err)
				}
				accept.Store(false)
				calls := len(p.at())
				if code := awstest.ErrorCode(t, op()); code != "InvalidClientTokenId" {
					t.Fatalf("error code = %q; want InvalidClientTokenId", code)
				}
				if got := len(p.at()) - calls; got != 1 {
					t.Errorf("provider calls for the first rejection after an acceptance = %d; want 1", got)
				}
			})
		})
	}
}

// TestRejectionBackoffConcurrent: 100 operations rejected together with a
// set the command hands back unchanged cause one refresh, whichever
// arrives first, and none of them a second; they all get the service's
// error. Later rejections within the backoff cause none.
func TestRejectionBackoffConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		p := &rotatingProvider{same: true}
		creds := aws.NewCredentialsCache(p)
		svc := &fakeService{reject: rejectAll("InvalidClientTokenId")}
		retry := middleware.RetryOnAuthFailure(creds)
		if _, err := creds.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}

		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errs[i] = invoke(t, opStack(creds, nil, false), svc, retry) })
		}
		wg.Wait()
		for i := range n {
			if _, err := invoke(t, opStack(creds, nil, false), svc, retry); err == nil {
				t.Fatalf("operation %d after the herd succeeded", i)
			}
		}

		for _, err := range errs {
			if code := awstest.ErrorCode(t, err); code != "InvalidClientTokenId" {
				t.Fatalf("error code = %q; want InvalidClientTokenId (%v)", code, errors.Unwrap(err))
			}
		}
		if got := p.calls.Load(); got != 2 {
			t.Errorf("provider calls = %d; want 2 (the first and one refresh)", got)
		}
	})
}
