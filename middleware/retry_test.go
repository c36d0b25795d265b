package middleware_test

import (
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

var (
	k1 = seen{AccessKeyID: "AKID1", SessionToken: "token1"}
	k2 = seen{AccessKeyID: "AKID2", SessionToken: "token2"}
)

func withBody(s seen, body string) seen { s.Body = body; return s }

func TestRetryOnAuthFailure(t *testing.T) {
	tests := []struct {
		name      string
		reject    func(akid string) string
		same      bool // the provider keeps returning the rejected key
		unsigned  bool
		body      func() io.Reader
		optFns    []func(*middleware.Options)
		twice     bool
		wantSeen  []seen
		wantCalls int64  // provider runs
		wantCode  string // "" for success
	}{
		{
			name:      "expired once replays with new key",
			reject:    rejectKeys("ExpiredToken", "AKID1"),
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
		},
		{
			name:      "expired always replays once",
			reject:    rejectAll("ExpiredToken"),
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
			wantCode:  "ExpiredToken",
		},
		{
			name:      "json service expiry code",
			reject:    rejectKeys("ExpiredTokenException", "AKID1"),
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
		},
		{
			name:      "unknown key replays when key changed",
			reject:    rejectKeys("InvalidAccessKeyId", "AKID1"),
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
		},
		{
			name:      "unrecognized client replays when key changed",
			reject:    rejectKeys("UnrecognizedClientException", "AKID1"),
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
		},
		{
			name:      "access denied is not retried",
			reject:    rejectAll("AccessDenied"),
			wantSeen:  []seen{k1},
			wantCalls: 1,
			wantCode:  "AccessDenied",
		},
		{
			name:      "access denied exception is not retried",
			reject:    rejectAll("AccessDeniedException"),
			wantSeen:  []seen{k1},
			wantCalls: 1,
			wantCode:  "AccessDeniedException",
		},
		{
			name:      "signature error is not retried by default",
			reject:    rejectAll("SignatureDoesNotMatch"),
			wantSeen:  []seen{k1},
			wantCalls: 1,
			wantCode:  "SignatureDoesNotMatch",
		},
		{
			name:      "same credentials after refresh are not replayed",
			reject:    rejectAll("ExpiredToken"),
			same:      true,
			wantSeen:  []seen{k1},
			wantCalls: 2,
			wantCode:  "ExpiredToken",
		},
		{
			name:      "same key on unknown-key code is not replayed",
			reject:    rejectAll("InvalidClientTokenId"),
			same:      true,
			wantSeen:  []seen{k1},
			wantCalls: 2,
			wantCode:  "InvalidClientTokenId",
		},
		{
			name:      "unsigned request is not retried",
			reject:    rejectAll("ExpiredTokenException"),
			unsigned:  true,
			wantSeen:  []seen{{}},
			wantCalls: 0,
			wantCode:  "ExpiredTokenException",
		},
		{
			name:      "removed code is not retried",
			reject:    rejectKeys("ExpiredToken", "AKID1"),
			optFns:    []func(*middleware.Options){middleware.RemoveCodes("ExpiredToken")},
			wantSeen:  []seen{k1},
			wantCalls: 1,
			wantCode:  "ExpiredToken",
		},
		{
			name:      "added code is retried",
			reject:    rejectKeys("AccessDenied", "AKID1"),
			optFns:    []func(*middleware.Options){middleware.AddCodes("AccessDenied")},
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
		},
		{
			name:      "nil codes disable the middleware",
			reject:    rejectKeys("ExpiredToken", "AKID1"),
			optFns:    []func(*middleware.Options){func(o *middleware.Options) { o.Codes = nil }},
			wantSeen:  []seen{k1},
			wantCalls: 1,
			wantCode:  "ExpiredToken",
		},
		{
			name:      "added twice replays once",
			reject:    rejectAll("ExpiredToken"),
			twice:     true,
			wantSeen:  []seen{k1, k2},
			wantCalls: 2,
			wantCode:  "ExpiredToken",
		},
		{
			name:      "seekable body is rewound for the replay",
			reject:    rejectKeys("ExpiredToken", "AKID1"),
			body:      func() io.Reader { return strings.NewReader("payload") },
			wantSeen:  []seen{withBody(k1, "payload"), withBody(k2, "payload")},
			wantCalls: 2,
		},
		{
			name:   "non-seekable body is not replayed",
			reject: rejectKeys("ExpiredToken", "AKID1"),
			body: func() io.Reader {
				return io.MultiReader(strings.NewReader("payload")) // hides Seek and Len
			},
			wantSeen:  []seen{withBody(k1, "payload")},
			wantCalls: 2, // refreshed for the next call all the same
			wantCode:  "ExpiredToken",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &rotatingProvider{same: tt.same}
			creds := aws.NewCredentialsCache(p)
			var body io.Reader
			if tt.body != nil {
				body = tt.body()
			}
			svc := &fakeService{reject: tt.reject}
			opts := []func(*smithymiddleware.Stack) error{middleware.RetryOnAuthFailure(creds, tt.optFns...)}
			if tt.twice {
				opts = append(opts, middleware.RetryOnAuthFailure(creds, tt.optFns...))
			}

			_, err := invoke(t, opStack(creds, body, tt.unsigned), svc, opts...)

			if got := awstest.ErrorCode(t, err); got != tt.wantCode {
				t.Errorf("error code = %q; want %q (err %v)", got, tt.wantCode, err)
			}
			if diff := cmp.Diff(tt.wantSeen, svc.seen()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if got := p.calls.Load(); got != tt.wantCalls {
				t.Errorf("provider calls = %d; want %d", got, tt.wantCalls)
			}
		})
	}
}

// TestRejectedReplayHeldForTheBackoff: when the replay is rejected too,
// the operation fails without a second replay, and the set that signed the
// replay stays in the cache for the rejection backoff: the next operation
// is sent with it and gets the service's error, with no fetch. The first
// rejection after the backoff fetches again.
func TestRejectedReplayHeldForTheBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &rotatingProvider{}
		creds := aws.NewCredentialsCache(p)
		svc := &fakeService{reject: rejectKeys("ExpiredToken", "AKID1", "AKID2")}
		retry := middleware.RetryOnAuthFailure(creds)

		if _, err := invoke(t, opStack(creds, nil, false), svc, retry); awstest.ErrorCode(t, err) != "ExpiredToken" {
			t.Fatalf("first operation error = %v; want ExpiredToken from the replay", err)
		}
		if _, err := invoke(t, opStack(creds, nil, false), svc, retry); awstest.ErrorCode(t, err) != "ExpiredToken" {
			t.Fatalf("operation within the backoff: error = %v; want ExpiredToken", err)
		}
		if got := p.calls.Load(); got != 2 {
			t.Errorf("provider calls within the backoff = %d; want 2", got)
		}
		time.Sleep(2 * time.Second)
		if _, err := invoke(t, opStack(creds, nil, false), svc, retry); err != nil {
			t.Fatalf("operation after the backoff: error = %v; want success with a third key", err)
		}
		k3 := seen{AccessKeyID: "AKID3", SessionToken: "token3"}
		if diff := cmp.Diff([]seen{k1, k2, k2, k2, k3}, svc.seen()); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		if got := p.calls.Load(); got != 3 {
			t.Errorf("provider calls = %d; want 3", got)
		}
	})
}
