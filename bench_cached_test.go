package credprocess_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/provider"
)

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
