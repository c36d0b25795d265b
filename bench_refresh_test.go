package credprocess_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// BenchmarkRetrieveRefreshDue measures Retrieve calls made after the refresh
// moment of the held set, while it is still valid.
//
// processcreds has one answer to a due refresh: the caller runs the command
// (or joins the run under way) and waits. With an ExpiryWindow longer than
// the lifetime, every Retrieve is due, so each op is one such refresh.
//
// credprocess refreshes at most once per 5 s (its floor between fetch and
// refresh moment), so a refresh cannot be due afresh on every op. Instead
// the benchmark reaches the moment before the loop, and keeps it due for the
// whole loop: the background run it starts takes longer than the loop. Each
// op is then what a caller pays while a refresh is due: the held set, with
// the cache asking the provider again once a second.
//
// Both sides thus measure the same thing, a Retrieve after the moment with
// the new set not yet in hand; the ratio is the cost of making callers
// wait. There is no RunParallel variant: it calls the function again for
// each b.N it tries, and each call would wait 5 s for a new moment.
// Concurrent callers across a moment are BenchmarkRetrieveAcrossRefresh.
func BenchmarkRetrieveRefreshDue(b *testing.B) {
	b.Run("impl=credprocess", func(b *testing.B) {
		// The first run answers at once; every later one takes 3 s.
		mark := filepath.Join(b.TempDir(), "ran")
		creds := provider.New(fmt.Sprintf("if [ -e '%s' ]; then sleep 3; fi; : >'%s'; %s", mark, mark, benchLine()),
			func(o *provider.Options) { o.Strategy = refreshNow })
		if _, err := creds.Retrieve(context.Background()); err != nil {
			b.Fatal(err)
		}
		time.Sleep(aheadLead)
		retrieveLoop(b, false, creds)
	})
	b.Run("impl=processcreds", func(b *testing.B) {
		creds := processcredsCache(benchLine(), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 2 * time.Hour })
		retrieveLoop(b, false, creds)
	})
}

// Across a refresh moment: acrossCallers goroutines, each calling Retrieve
// every acrossPause, for acrossWindow after a cold fetch, with the moment 4
// to 5 s into it and a command taking acrossRunTime.
const (
	acrossCallers = 100
	acrossPause   = time.Millisecond
	acrossWindow  = 7 * time.Second
	acrossRunTime = 200 * time.Millisecond
	acrossSlow    = 10 * time.Millisecond // a call this long waited for the command
)

// BenchmarkRetrieveAcrossRefresh reports the latency of Retrieve while a
// credential set reaches its refresh moment and the command takes 200 ms:
// p50, p99, p99.9 and max of every call in the window, and how many calls
// took 10 ms or more. impl=bare-cache, which never refreshes, is the
// machine's own noise under the same callers. One op is one whole window
// (about 7 s); ns/op is not reported. The callers pause between calls so
// that the figures are Retrieve's, not the scheduler's time slices among
// more runnable goroutines than CPUs.
func BenchmarkRetrieveAcrossRefresh(b *testing.B) {
	impls := []struct {
		name  string
		runs  int // command runs in the window: the cold fetch and one refresh
		creds func(command string) *aws.CredentialsCache
	}{
		{"credprocess", 2, func(command string) *aws.CredentialsCache {
			return provider.New(command, func(o *provider.Options) { o.Strategy = refreshNow })
		}},
		{"processcreds", 2, func(command string) *aws.CredentialsCache {
			// The moment 5 s into the hour, less the producer's truncation
			// of Expiration to the second.
			return processcredsCache(command, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = time.Hour - 5*time.Second })
		}},
		{"bare-cache", 0, func(string) *aws.CredentialsCache { return bareCache() }},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			var all []time.Duration
			for b.Loop() {
				count := filepath.Join(b.TempDir(), "runs")
				creds := impl.creds(benchLine("-delay", acrossRunTime.String(), "-count", count))
				all = append(all, acrossRefresh(b, creds)...)
				if got := proctest.Runs(b, count); got != impl.runs {
					b.Fatalf("command ran %d times in the window; want %d", got, impl.runs)
				}
			}
			slices.Sort(all)
			at := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(at(0.5), "p50-ns")
			b.ReportMetric(at(0.99), "p99-ns")
			b.ReportMetric(at(0.999), "p99.9-ns")
			b.ReportMetric(at(1), "max-ns")
			n, _ := slices.BinarySearch(all, acrossSlow)
			b.ReportMetric(float64(len(all)-n)/float64(b.N), "slow-calls/op")
		})
	}
}

// acrossRefresh fetches cold, then has acrossCallers goroutines call Retrieve for the
// window and returns the duration of every call.
func acrossRefresh(b *testing.B, creds *aws.CredentialsCache) []time.Duration {
	ctx := context.Background()
	if _, err := creds.Retrieve(ctx); err != nil {
		b.Fatal(err)
	}
	end := time.Now().Add(acrossWindow)
	lat := make([][]time.Duration, acrossCallers)
	var wg sync.WaitGroup
	for i := range lat {
		lat[i] = make([]time.Duration, 0, int(acrossWindow/acrossPause))
		wg.Go(func() {
			for time.Now().Before(end) {
				start := time.Now()
				if _, err := creds.Retrieve(ctx); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(start))
				time.Sleep(acrossPause)
			}
		})
	}
	wg.Wait()
	return slices.Concat(lat...)
}
