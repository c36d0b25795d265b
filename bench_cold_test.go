package credprocess_test

import (
	"context"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/seed-dcc28122/credprocess/provider"
)

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
