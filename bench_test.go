package credprocess_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/seed-dcc28122/credprocess/strategy"
)

// Every benchmark here runs credprocess (impl=credprocess) beside the SDK's
// processcreds.NewProvider in aws.NewCredentialsCache (impl=processcreds) on
// the same producer command, so that `benchstat -col /impl` pairs them and
// every figure in BENCHMARKS.md is a ratio taken in one run. The command
// lines are for a POSIX shell.

// The credentials benchArgs prints, which the benchmarks' endpoint
// accepts.
const benchKey, benchSecret, benchToken = "AKIDBENCH", "bench-secret", "bench-token"

// benchProducer builds testdata/producer on first use, into TestMain's
// scratch directory, and returns its path. The benchmarks, and only they,
// run it rather than the test binary: BENCHMARKS.md's figures are measured
// on it, and the test binary starts several times slower, which would
// weigh on every cold run. Benchmarks do not run on Windows, where no Go
// toolchain is at hand.
var benchProducer = sync.OnceValue(func() string {
	bin := filepath.Join(scratch, "producer")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/producer").CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build testdata/producer: %v\n%s", err, out))
	}
	return bin
})

// benchArgs runs testdata/producer with the credentials the benchmarks'
// endpoint accepts, and extra flags.
func benchArgs(extra ...string) []string {
	return append([]string{benchProducer(), "-key", benchKey, "-secret", benchSecret, "-token", benchToken}, extra...)
}

// benchLine is benchArgs as a command line for sh -c.
func benchLine(extra ...string) string {
	words := benchArgs(extra...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// aheadLead is how long after a fetch the refresh moment of a set arrives
// when the strategy asks for "now": the provider's floor of 5 seconds, plus
// slack.
const aheadLead = 5*time.Second + 50*time.Millisecond

// processcredsCache is the SDK's processcreds for command in the SDK's
// cache: what the benchmarks measure credprocess against.
func processcredsCache(command string, optFns ...func(*aws.CredentialsCacheOptions)) *aws.CredentialsCache {
	return aws.NewCredentialsCache(processcreds.NewProvider(command), optFns...)
}

// refreshNow is a strategy whose moment is as early as the provider allows.
var refreshNow = strategy.Func(func(_, now time.Time) time.Time { return now })

// expiringProvider returns the same expiring set on every call: the ceiling
// for any provider behind an aws.CredentialsCache.
type expiringProvider struct{ creds aws.Credentials }

// Retrieve returns the set.
func (p expiringProvider) Retrieve(context.Context) (aws.Credentials, error) { return p.creds, nil }

// bareCache is an aws.CredentialsCache around expiringProvider.
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
