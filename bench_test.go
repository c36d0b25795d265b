package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// Every benchmark here runs credprocess (impl=credprocess) beside the SDK's
// processcreds.NewProvider in aws.NewCredentialsCache (impl=processcreds) on
// the same producer command, so that `benchstat -col /impl` pairs them and
// every figure in BENCHMARKS.md is a ratio taken in one run. The command
// lines are for a POSIX shell.

const (
	benchKey, benchSecret, benchToken = "AKIDBENCH", "bench-secret", "bench-token"

	// aheadLead is how long after a fetch the refresh moment of a set
	// arrives when the strategy asks for "now": the provider's floor of
	// 5 seconds, plus slack.
	aheadLead = 5*time.Second + 50*time.Millisecond
)

// benchArgs runs the producer with the credentials the benchmarks'
// endpoint accepts.
func benchArgs(extra ...string) []string {
	return append([]string{producerBin, "-key", benchKey, "-secret", benchSecret, "-token", benchToken}, extra...)
}

// benchLine is benchArgs as a credential_process line for sh -c.
func benchLine(extra ...string) string {
	line := ""
	for _, a := range benchArgs(extra...) {
		line += fmt.Sprintf(" '%s'", a)
	}
	return line[1:]
}

func processcredsCache(command string, optFns ...func(*aws.CredentialsCacheOptions)) *aws.CredentialsCache {
	return aws.NewCredentialsCache(processcreds.NewProvider(command), optFns...)
}

// refreshNow is a strategy whose moment is as early as the provider allows.
var refreshNow = strategy.Func(func(_, now time.Time) time.Time { return now })

// expiringProvider returns the same expiring set on every call: the ceiling
// for any provider behind an aws.CredentialsCache.
type expiringProvider struct{ creds aws.Credentials }

func (p expiringProvider) Retrieve(context.Context) (aws.Credentials, error) { return p.creds, nil }

func bareCache() *aws.CredentialsCache {
	return aws.NewCredentialsCache(expiringProvider{aws.Credentials{
		AccessKeyID: benchKey, SecretAccessKey: benchSecret, SessionToken: benchToken,
		CanExpire: true, Expires: time.Now().Add(time.Hour),
	}})
}

// retrieveLoop calls Retrieve for the benchmark, serially or from
// GOMAXPROCS goroutines.
func retrieveLoop(b *testing.B, parallel bool, creds aws.CredentialsProvider) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := creds.Retrieve(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	for b.Loop() {
		if _, err := creds.Retrieve(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRetrieveCached(b *testing.B)         { benchRetrieveCached(b, false) }
func BenchmarkRetrieveCachedParallel(b *testing.B) { benchRetrieveCached(b, true) }

// benchRetrieveCached measures Retrieve on a warm cache: all three are the
// same aws.CredentialsCache fast path, which the provider must not slow.
func benchRetrieveCached(b *testing.B, parallel bool) {
	impls := []struct {
		name  string
		creds func() *aws.CredentialsCache
	}{
		{"credprocess", func() *aws.CredentialsCache { return provider.New(benchLine()) }},
		{"processcreds", func() *aws.CredentialsCache { return processcredsCache(benchLine()) }},
		{"bare-cache", bareCache},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			creds := impl.creds()
			if _, err := creds.Retrieve(context.Background()); err != nil {
				b.Fatal(err)
			}
			retrieveLoop(b, parallel, creds)
		})
	}
}

// BenchmarkRetrieveCachedInterleaved is BenchmarkRetrieveCached with the
// three caches taking turns in blocks of 1000 calls, so that the ratios it
// reports are not skewed by other load on the machine drifting between
// sub-benchmarks.
func BenchmarkRetrieveCachedInterleaved(b *testing.B) {
	ctx := context.Background()
	var variants []variant
	for name, creds := range map[string]*aws.CredentialsCache{
		"credprocess":  provider.New(benchLine()),
		"processcreds": processcredsCache(benchLine()),
		"bare-cache":   bareCache(),
	} {
		if _, err := creds.Retrieve(ctx); err != nil {
			b.Fatal(err)
		}
		variants = append(variants, variant{name, func() error { _, err := creds.Retrieve(ctx); return err }})
	}
	interleave(b, 1000, variants, "bare-cache")
}

// variant is one side of an interleaved comparison.
type variant struct {
	name string
	op   func() error
}

// interleave runs block ops of each variant in turn per iteration, the
// first variant rotating, and reports each variant's median time per op
// over the iterations as "<name>-ns/op", and the median over the iterations
// of its time divided by that of the variant named base as "<name>/<base>".
// Ratios within an iteration pair blocks run a moment apart, and medians
// keep a burst of other load on the machine from landing on one variant.
// ns/op, the time of a whole iteration, is not reported.
func interleave(b *testing.B, block int, variants []variant, base string) {
	b.Helper()
	slices.SortFunc(variants, func(x, y variant) int { return strings.Compare(x.name, y.name) })
	ref := slices.IndexFunc(variants, func(v variant) bool { return v.name == base })
	perOp := make([][]float64, len(variants))
	ratio := make([][]float64, len(variants))
	spent := make([]float64, len(variants))
	turn := 0
	for b.Loop() {
		for k := range variants {
			i := (turn + k) % len(variants)
			start := time.Now()
			for range block {
				if err := variants[i].op(); err != nil {
					b.Fatal(err)
				}
			}
			spent[i] = float64(time.Since(start)) / float64(block)
			perOp[i] = append(perOp[i], spent[i])
		}
		for i := range variants {
			ratio[i] = append(ratio[i], spent[i]/spent[ref])
		}
		turn++
	}
	median := func(xs []float64) float64 {
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	b.ReportMetric(0, "ns/op")
	for i, v := range variants {
		b.ReportMetric(median(perOp[i]), v.name+"-ns/op")
		if i != ref {
			b.ReportMetric(median(ratio[i]), v.name+"/"+base)
		}
	}
}

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

func BenchmarkRetrieveCold(b *testing.B)         { benchRetrieveCold(b, false) }
func BenchmarkRetrieveColdParallel(b *testing.B) { benchRetrieveCold(b, true) }

// benchRetrieveCold measures a first Retrieve on a new cache: one run of the
// producer through sh -c, and the parse.
func benchRetrieveCold(b *testing.B, parallel bool) {
	line := benchLine()
	benchCold(b, parallel, "credprocess", func() *aws.CredentialsCache { return provider.New(line) })
	benchCold(b, parallel, "processcreds", func() *aws.CredentialsCache { return processcredsCache(line) })
}

// BenchmarkRetrieveColdArgs is BenchmarkRetrieveCold without the shell:
// provider.NewArgs beside processcreds with a command builder.
func BenchmarkRetrieveColdArgs(b *testing.B) {
	args := benchArgs()
	benchCold(b, false, "credprocess", func() *aws.CredentialsCache { return provider.NewArgs(args) })
	benchCold(b, false, "processcreds", func() *aws.CredentialsCache {
		return aws.NewCredentialsCache(processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(
			func(ctx context.Context) (*exec.Cmd, error) {
				return exec.CommandContext(ctx, args[0], args[1:]...), nil
			})))
	})
}

// BenchmarkRetrieveColdInterleaved is BenchmarkRetrieveCold with the two
// taking turns, one cold Retrieve each per iteration.
func BenchmarkRetrieveColdInterleaved(b *testing.B) {
	ctx := context.Background()
	line := benchLine()
	interleave(b, 1, []variant{
		{"credprocess", func() error { _, err := provider.New(line).Retrieve(ctx); return err }},
		{"processcreds", func() error { _, err := processcredsCache(line).Retrieve(ctx); return err }},
	}, "processcreds")
}

func benchCold(b *testing.B, parallel bool, name string, newCache func() *aws.CredentialsCache) {
	b.Run("impl="+name, func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		if parallel {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := newCache().Retrieve(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			return
		}
		for b.Loop() {
			if _, err := newCache().Retrieve(ctx); err != nil {
				b.Fatal(err)
			}
		}
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
				if got := runsIn(b, count); got != impl.runs {
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

// runsIn counts the lines the producer appended to path, one per run.
func runsIn(tb testing.TB, path string) int {
	tb.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}
