package middleware_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/middleware"
)

func TestRetryOnAuthFailurePlacement(t *testing.T) {
	creds := aws.NewCredentialsCache(&rotatingProvider{})
	full := []string{middleware.RetryOnAuthFailureID, "Retry", "Signing", "CredprocessRecordSigner"}
	tests := []struct {
		name  string
		drop  string // Finalize middleware removed before the option runs
		times int
		want  []string
	}{
		{name: "operation stack", times: 1, want: full},
		{name: "added twice", times: 2, want: full},
		{name: "presign stack without Retry", drop: "Retry", times: 1, want: []string{"Signing"}},
		{name: "unsigned stack without Signing", drop: "Signing", times: 1, want: []string{"Retry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := opStack(creds, nil, false)
			if tt.drop != "" {
				if _, err := stack.Finalize.Remove(tt.drop); err != nil {
					t.Fatal(err)
				}
			}
			opt := middleware.RetryOnAuthFailure(creds)
			for range tt.times {
				if err := opt(stack); err != nil {
					t.Fatalf("option: %v", err)
				}
			}
			if diff := cmp.Diff(tt.want, stack.Finalize.List()); diff != "" {
				t.Errorf("Finalize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRetryOnAuthFailureNilCache(t *testing.T) {
	stack := smithymiddleware.NewStack("op", nil)
	if err := middleware.RetryOnAuthFailure(nil)(stack); err == nil {
		t.Error("RetryOnAuthFailure(nil)(stack) = nil; want an error")
	}
}

// TestRetryOnAuthFailureOwnsCodes checks that the middleware keeps its own
// copy of the code set, so a caller mutating its map later neither races nor
// changes behaviour.
func TestRetryOnAuthFailureOwnsCodes(t *testing.T) {
	p := &rotatingProvider{}
	creds := aws.NewCredentialsCache(p)
	codes := map[string]bool{"ExpiredToken": true}
	opt := middleware.RetryOnAuthFailure(creds, func(o *middleware.Options) { o.Codes = codes })
	delete(codes, "ExpiredToken")
	svc := &fakeService{reject: rejectKeys("ExpiredToken", "AKID1")}

	if _, err := invoke(t, opStack(creds, nil, false), svc, opt); err != nil {
		t.Errorf("operation failed: %v", err)
	}
}

func TestDefaultCodes(t *testing.T) {
	got := middleware.DefaultCodes()
	want := map[string]bool{}
	for _, c := range slices.Concat(middleware.ExpiryCodes(), middleware.UnknownKeyCodes()) {
		want[c] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DefaultCodes() (-want +got):\n%s", diff)
	}
	for _, c := range []string{"AccessDenied", "AccessDeniedException", "SignatureDoesNotMatch", "InvalidSignatureException"} {
		if got[c] {
			t.Errorf("DefaultCodes()[%q] = true; want false", c)
		}
	}
	got["AccessDenied"] = true
	if middleware.DefaultCodes()["AccessDenied"] {
		t.Error("DefaultCodes() shares its map between calls")
	}
}

// TestRetryOnAuthFailureLastWins checks that of two registrations the later
// one's cache is the one refreshed, as the later credentials option is the
// one the client signs with.
func TestRetryOnAuthFailureLastWins(t *testing.T) {
	unused := &rotatingProvider{}
	signing := &rotatingProvider{}
	creds := aws.NewCredentialsCache(signing)
	svc := &fakeService{reject: rejectKeys("ExpiredToken", "AKID1")}

	_, err := invoke(t, opStack(creds, nil, false), svc,
		middleware.RetryOnAuthFailure(aws.NewCredentialsCache(unused)),
		middleware.RetryOnAuthFailure(creds))

	if err != nil {
		t.Fatalf("operation failed: %v", err)
	}
	if diff := cmp.Diff([]seen{k1, k2}, svc.seen()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got := unused.calls.Load(); got != 0 {
		t.Errorf("replaced cache's provider calls = %d; want 0", got)
	}
}
