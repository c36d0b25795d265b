package credprocess_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestHerdOnExpiredCache: 10,000 goroutines calling Retrieve on a cache
// whose credentials have expired run the command once, and all get the set
// that run printed. processcreds, under the same herd, is the reference.
//
// The bubble's clock jumps past the expiry the real command printed, so
// the second run prints a longer lifetime than the first to be valid then.
// Each run takes 100 ms, 20 ms with -short.
func TestHerdOnExpiredCache(t *testing.T) {
	const n = 10_000
	delay := "100ms"
	if testing.Short() {
		delay = "20ms"
	}
	tests := []struct {
		name  string
		creds func(command string) *aws.CredentialsCache
	}{
		{"credprocess", func(command string) *aws.CredentialsCache { return provider.New(command) }},
		{"processcreds", func(command string) *aws.CredentialsCache {
			return aws.NewCredentialsCache(processcreds.NewProvider(command))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := proctest.TempDir(t, "herd")
			count, mark := filepath.Join(dir, "runs"), filepath.Join(dir, "ran")
			command := helperLine("print", "-life", "1h", "-longer-after", mark, "-delay", delay, "-count", count)
			synctest.Test(t, func(t *testing.T) {
				creds := tt.creds(command)
				ctx := context.Background()
				first, err := creds.Retrieve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Until(first.Expires) + time.Second)

				start := make(chan struct{})
				got := make([]aws.Credentials, n)
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						<-start
						got[i], errs[i] = creds.Retrieve(ctx)
					})
				}
				close(start)
				wg.Wait()

				if err := errors.Join(errs...); err != nil {
					t.Fatalf("Retrieve: %v", err)
				}
				sets := map[time.Time]int{}
				for _, c := range got {
					sets[c.Expires]++
				}
				if len(sets) != 1 || got[0].Expires.Equal(first.Expires) {
					t.Errorf("%d callers got %d credential sets (by expiry); want all %d the one new set", n, len(sets), n)
				}
			})
			if got := proctest.Runs(t, count); got != 2 {
				t.Errorf("command ran %d times; want 2 (the first fetch and one for %d callers)", got, n)
			}
		})
	}
}

// barrier holds every request signed with akid until n of them are in
// flight, so that n rejections reach the clients together.
type barrier struct {
	next http.RoundTripper
	akid string
	wg   sync.WaitGroup
}

// RoundTrip holds a request signed with akid until n are held, then sends
// it on.
func (b *barrier) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.Header.Get("Authorization"), "Credential="+b.akid+"/") {
		b.wg.Done()
		b.wg.Wait()
	}
	return b.next.RoundTrip(r)
}

// TestHerdOfRejectedRequests: 1,000 concurrent STS requests (100 with
// -short) rejected with the same expired key run the command once, and
// every one is replayed with the new key. All are signed with the old key
// before any is answered. (The middleware keys on the rejected credentials,
// not on the code: TestRetryOnAuthFailureE2E covers the other codes one
// request at a time.)
func TestHerdOfRejectedRequests(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 100
	}
	srv := expiredFirstKey(t, false)
	old, _, _ := rotateKey(1)
	next, _, _ := rotateKey(2)
	command, runs := rotateCommand(t, false)
	cfg := loadConfig(t, srv, command)
	if _, err := cfg.Credentials.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The replays reuse the connections of the first attempts.
	tr := srv.HTTPClient().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = n
	t.Cleanup(tr.CloseIdleConnections)
	b := &barrier{next: tr, akid: old}
	b.wg.Add(n)
	cfg.HTTPClient = &http.Client{Transport: b}
	client := sts.NewFromConfig(cfg)

	errs := callerIdentities(client, n)
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := runs(); got != 2 {
		t.Errorf("command runs = %d; want 2 (the first fetch and one for %d rejections)", got, n)
	}
	got := map[string]int{}
	for _, r := range srv.Requests() {
		got[r.AccessKeyID+" "+r.ErrorCode]++
	}
	want := map[string]int{old + " ExpiredToken": n, next + " ": n}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests per key and code (-want +got):\n%s", diff)
	}
}
