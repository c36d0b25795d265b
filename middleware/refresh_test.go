package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// TestRetryOnAuthFailureConcurrent checks that many requests rejected with
// the same credentials cause one provider run, not one per request.
func TestRetryOnAuthFailureConcurrent(t *testing.T) {
	const n = 100
	p := &rotatingProvider{}
	creds := aws.NewCredentialsCache(p)
	if _, err := creds.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Hold every first attempt until all n have been signed with AKID1, so
	// that all n rejections arrive together.
	var signedWithOld sync.WaitGroup
	signedWithOld.Add(n)
	svc := &fakeService{reject: func(akid string) string {
		if akid != "AKID1" {
			return ""
		}
		signedWithOld.Done()
		signedWithOld.Wait()
		return "ExpiredToken"
	}}
	opt := middleware.RetryOnAuthFailure(creds)

	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = invoke(t, opStack(creds, nil, false), svc, opt)
		})
	}
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		t.Fatalf("operations failed: %v", err)
	}
	if got := p.calls.Load(); got != 2 {
		t.Errorf("provider calls = %d; want 2 (initial and one refresh)", got)
	}
	perKey := map[string]int{}
	for _, s := range svc.seen() {
		perKey[s.AccessKeyID]++
	}
	if diff := cmp.Diff(map[string]int{"AKID1": n, "AKID2": n}, perKey); diff != "" {
		t.Errorf("requests per key (-want +got):\n%s", diff)
	}
}

// TestRetryOnAuthFailureCacheMoved checks that a rejection reported after the
// cache was refreshed elsewhere replays with the cached credentials instead of
// invalidating them.
func TestRetryOnAuthFailureCacheMoved(t *testing.T) {
	p := &rotatingProvider{}
	creds := aws.NewCredentialsCache(p)
	svc := &fakeService{reject: func(akid string) string {
		if akid != "AKID1" {
			return ""
		}
		// Another request refreshes while this one is in flight.
		creds.Invalidate()
		if _, err := creds.Retrieve(context.Background()); err != nil {
			t.Error(err)
		}
		return "ExpiredToken"
	}}

	_, err := invoke(t, opStack(creds, nil, false), svc, middleware.RetryOnAuthFailure(creds))

	if err != nil {
		t.Fatalf("operation failed: %v", err)
	}
	if diff := cmp.Diff([]seen{k1, k2}, svc.seen()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got := p.calls.Load(); got != 2 {
		t.Errorf("provider calls = %d; want 2", got)
	}
}

// failingProvider succeeds once, then fails.
type failingProvider struct{ calls atomic.Int64 }

func (p *failingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if p.calls.Add(1) > 1 {
		return aws.Credentials{}, errors.New("provider: run credential_process: exit status 1")
	}
	return (&rotatingProvider{}).Retrieve(ctx)
}

// recordingLogger keeps every formatted log line.
type recordingLogger struct {
	mu    sync.Mutex // guards lines
	lines []string
}

func (l *recordingLogger) Logf(c logging.Classification, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(c)+" "+fmt.Sprintf(format, v...))
}

func TestRetryOnAuthFailureRefreshFails(t *testing.T) {
	p := &failingProvider{}
	creds := aws.NewCredentialsCache(p)
	svc := &fakeService{reject: rejectAll("ExpiredToken")}
	logger := &recordingLogger{}

	_, err := invoke(t, opStack(creds, nil, false), svc,
		middleware.RetryOnAuthFailure(creds, func(o *middleware.Options) { o.Logger = logger }))

	if got := awstest.ErrorCode(t, err); got != "ExpiredToken" {
		t.Errorf("error code = %q; want %q (err %v)", got, "ExpiredToken", err)
	}
	if got := len(svc.seen()); got != 1 {
		t.Errorf("requests = %d; want 1", got)
	}
	if len(logger.lines) != 1 || !strings.HasPrefix(logger.lines[0], "WARN ") {
		t.Errorf("log = %q; want one WARN line", logger.lines)
	}
}

func TestRetryOnAuthFailureLogsNoCredentials(t *testing.T) {
	p := &rotatingProvider{}
	creds := aws.NewCredentialsCache(p)
	svc := &fakeService{reject: rejectAll("ExpiredToken")}
	logger := &recordingLogger{}

	if _, err := invoke(t, opStack(creds, nil, false), svc,
		middleware.RetryOnAuthFailure(creds, func(o *middleware.Options) { o.Logger = logger })); err == nil {
		t.Fatal("operation succeeded; want ExpiredToken")
	}

	if len(logger.lines) == 0 {
		t.Fatal("nothing logged; want the replay decision")
	}
	for _, l := range logger.lines {
		for _, secret := range []string{"AKID", "secret", "token1", "token2"} {
			if strings.Contains(l, secret) {
				t.Errorf("log line %q contains %q", l, secret)
			}
		}
	}
}
