package credprocess_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// BenchmarkSharedHit is a process's first Retrieve when the host's entry
// holds a valid set: a new cache reading the entry, against a new cache
// running the producer, which is what a process without the shared cache
// pays.
func BenchmarkSharedHit(b *testing.B) {
	dir := filepath.Join(proctest.TempDir(b, "bench-shared"), "cache")
	line := benchLine()
	shared := func(o *provider.Options) { o.SharedDir = dir }
	if _, err := provider.New(line, shared).Retrieve(context.Background()); err != nil {
		b.Fatal(err)
	}
	benchCold(b, false, "shared-hit", func() *aws.CredentialsCache { return provider.New(line, shared) })
	benchCold(b, false, "run", func() *aws.CredentialsCache { return provider.New(line) })
}

// BenchmarkRetrieveCachedShared is BenchmarkRetrieveCached with the shared
// cache on: a warm cache never reads the entry, so it is the bare cache's
// fast path still.
func BenchmarkRetrieveCachedShared(b *testing.B) {
	dir := filepath.Join(proctest.TempDir(b, "bench-shared"), "cache")
	ctx := context.Background()
	var variants []variant
	for name, creds := range map[string]*aws.CredentialsCache{
		"credprocess-shared": provider.New(benchLine(), func(o *provider.Options) { o.SharedDir = dir }),
		"bare-cache":         bareCache(),
	} {
		if _, err := creds.Retrieve(ctx); err != nil {
			b.Fatal(err)
		}
		variants = append(variants, variant{name, func() error { _, err := creds.Retrieve(ctx); return err }})
	}
	interleave(b, 1000, variants, "bare-cache")
}
