package middleware_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// namedProvider hands out NAME1, NAME2, ... on successive calls.
type namedProvider struct {
	name  string
	calls atomic.Int64
}

func (p *namedProvider) Retrieve(context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	return aws.Credentials{
		AccessKeyID:     fmt.Sprintf("%s%d", p.name, n),
		SecretAccessKey: "secret",
		SessionToken:    fmt.Sprintf("%s-token%d", p.name, n),
		CanExpire:       true,
		Expires:         time.Now().Add(time.Hour),
	}, nil
}

func key(name string, n int) seen {
	return seen{AccessKeyID: fmt.Sprintf("%s%d", name, n), SessionToken: fmt.Sprintf("%s-token%d", name, n)}
}

// TestReplayOnlyForOwnSets: the middleware refreshes the cache that served
// the rejected set, among the one it was given and its Sources, and does
// nothing for a set none of them served.
func TestReplayOnlyForOwnSets(t *testing.T) {
	tests := []struct {
		name      string
		signer    string // which cache signs the requests
		wantSeen  []seen
		wantCalls map[string]int64
	}{
		{
			name:      "top cache's set",
			signer:    "TOP",
			wantSeen:  []seen{key("TOP", 1), key("TOP", 2)},
			wantCalls: map[string]int64{"TOP": 2, "SRC": 0, "OTHER": 0},
		},
		{
			name:      "source cache's set",
			signer:    "SRC",
			wantSeen:  []seen{key("SRC", 1), key("SRC", 2)},
			wantCalls: map[string]int64{"TOP": 0, "SRC": 2, "OTHER": 0},
		},
		{
			name:      "a set no cache of ours served",
			signer:    "OTHER",
			wantSeen:  []seen{key("OTHER", 1)},
			wantCalls: map[string]int64{"TOP": 0, "SRC": 0, "OTHER": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			providers := map[string]*namedProvider{}
			caches := map[string]*aws.CredentialsCache{}
			for _, name := range []string{"TOP", "SRC", "OTHER"} {
				providers[name] = &namedProvider{name: name}
				caches[name] = served.NewCache(providers[name], served.Withdrawal{})
			}
			first := key(tt.signer, 1).AccessKeyID
			svc := &fakeService{reject: rejectKeys("ExpiredToken", first)}
			_, err := invoke(t, opStack(caches[tt.signer], nil, false), svc,
				middleware.RetryOnAuthFailure(caches["TOP"], func(o *middleware.Options) {
					o.Sources = []*aws.CredentialsCache{caches["SRC"]}
				}))
			wantCode := ""
			if len(tt.wantSeen) == 1 {
				wantCode = "ExpiredToken"
			}
			if got := awstest.ErrorCode(t, err); got != wantCode {
				t.Errorf("error code = %q; want %q (err %v)", got, wantCode, err)
			}
			if diff := cmp.Diff(tt.wantSeen, svc.seen()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			got := map[string]int64{}
			for name, p := range providers {
				got[name] = p.calls.Load()
			}
			if diff := cmp.Diff(tt.wantCalls, got); diff != "" {
				t.Errorf("provider calls (-want +got):\n%s", diff)
			}
		})
	}
}

// A cache made elsewhere keeps no record: it is taken to own the set, as
// before Sources existed.
func TestReplayUnrecordedCache(t *testing.T) {
	p := &rotatingProvider{}
	creds := aws.NewCredentialsCache(p)
	svc := &fakeService{reject: rejectKeys("ExpiredToken", "AKID1")}
	if _, err := invoke(t, opStack(creds, nil, false), svc, middleware.RetryOnAuthFailure(creds)); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if diff := cmp.Diff([]seen{k1, k2}, svc.seen()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
