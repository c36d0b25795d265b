package credprocess_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-dcc28122/credprocess/internal/stacktest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// Successful requests through a real client, with and without the middleware.

func BenchmarkRequest(b *testing.B)         { benchRequest(b, false) }
func BenchmarkRequestParallel(b *testing.B) { benchRequest(b, true) }

// benchRequest measures a successful STS GetCallerIdentity over loopback
// HTTP as a program sets it up: config.WithCredentialProcess (our cache and
// the replay middleware) against processcreds in config.WithCredentialsProvider.
// BenchmarkRetryOnAuthFailure and BenchmarkRetryOnAuthFailureParallel
// separate the middleware's share.
func benchRequest(b *testing.B, parallel bool) {
	srv := newServer(b, false)
	srv.Allow(benchKey, benchSecret, benchToken)
	impls := []struct {
		name string
		cfg  func(b *testing.B) aws.Config
	}{
		{"credprocess", func(b *testing.B) aws.Config { return loadConfig(b, srv, benchLine()) }},
		{"processcreds", func(b *testing.B) aws.Config {
			opts := append(endpointOptions(srv), config.WithCredentialsProvider(processcredsCache(benchLine())))
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			return pointAt(cfg, srv)
		}},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			callLoop(b, parallel, sts.NewFromConfig(impl.cfg(b)))
		})
	}
}

// BenchmarkRetryOnAuthFailure measures successful STS calls against one
// endpoint with one credential cache: without middleware, with a
// pass-through pair where RetryOnAuthFailure's two parts go, and with
// RetryOnAuthFailure. The last two should report the same allocs/op.
func BenchmarkRetryOnAuthFailure(b *testing.B) { benchMiddleware(b, false) }

// BenchmarkRetryOnAuthFailureParallel is BenchmarkRetryOnAuthFailure from
// GOMAXPROCS goroutines.
func BenchmarkRetryOnAuthFailureParallel(b *testing.B) { benchMiddleware(b, true) }

func benchMiddleware(b *testing.B, parallel bool) {
	srv := newServer(b, false)
	srv.Allow(benchKey, benchSecret, benchToken)
	cfg := loadConfig(b, srv, benchLine())
	creds := cfg.Credentials.(*aws.CredentialsCache)
	cfg.APIOptions = nil // each variant adds its own
	variants := []struct {
		name string
		opt  func(*smithymiddleware.Stack) error
	}{
		{"none", nil},
		{"passthrough", stacktest.AddPassthrough},
		{"RetryOnAuthFailure", middleware.RetryOnAuthFailure(creds)},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			callLoop(b, parallel, sts.NewFromConfig(cfg, func(o *sts.Options) {
				if v.opt != nil {
					o.APIOptions = append(o.APIOptions, v.opt)
				}
			}))
		})
	}
}

// BenchmarkRequestInterleaved makes the STS calls of BenchmarkRequest and
// BenchmarkRetryOnAuthFailure in turns, each variant with its own
// client on one endpoint: processcreds, and the credprocess cache without
// middleware, with the pass-through pair, and with RetryOnAuthFailure.
// Ratios are to the pass-through pair, which costs what any two middleware
// in those places cost the SDK.
func BenchmarkRequestInterleaved(b *testing.B) {
	srv := newServer(b, false)
	srv.Allow(benchKey, benchSecret, benchToken)
	ctx := context.Background()
	in := &sts.GetCallerIdentityInput{}
	call := func(client *sts.Client) func() error {
		return func() error { _, err := client.GetCallerIdentity(ctx, in); return err }
	}
	cfg := loadConfig(b, srv, benchLine())
	creds := cfg.Credentials.(*aws.CredentialsCache)
	cfg.APIOptions = nil
	with := func(opt func(*smithymiddleware.Stack) error) *sts.Client {
		return sts.NewFromConfig(cfg, func(o *sts.Options) { o.APIOptions = append(o.APIOptions, opt) })
	}
	opts := append(endpointOptions(srv), config.WithCredentialsProvider(processcredsCache(benchLine())))
	pcfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		b.Fatal(err)
	}
	variants := []variant{
		{"processcreds", call(sts.NewFromConfig(pointAt(pcfg, srv)))},
		{"none", call(sts.NewFromConfig(cfg))},
		{"passthrough", call(with(stacktest.AddPassthrough))},
		{"RetryOnAuthFailure", call(with(middleware.RetryOnAuthFailure(creds)))},
	}
	for _, v := range variants {
		if err := v.op(); err != nil {
			b.Fatal(err)
		}
	}
	interleave(b, 1, variants, "passthrough")
}

// BenchmarkFinalizeInterleaved isolates the middleware's own cost on
// success: one operation stack holding only no-op "Retry" and "Signing"
// middleware over a handler that succeeds, bare, with the pass-through pair,
// and with RetryOnAuthFailure, in turns of 100 calls. Its difference per
// call, set against BenchmarkRequest, is the middleware's share of a
// request.
func BenchmarkFinalizeInterleaved(b *testing.B) {
	creds := bareCache()
	ctx := context.Background()
	handler := func(opt func(*smithymiddleware.Stack) error) func() error {
		stack := smithymiddleware.NewStack("op", smithyhttp.NewStackRequest)
		for _, id := range []string{"Retry", "Signing"} {
			if err := stack.Finalize.Add(stacktest.Passthrough(id), smithymiddleware.After); err != nil {
				b.Fatal(err)
			}
		}
		if opt != nil {
			if err := opt(stack); err != nil {
				b.Fatal(err)
			}
		}
		h := smithymiddleware.DecorateHandler(okHandler{}, stack)
		return func() error { _, _, err := h.Handle(ctx, struct{}{}); return err }
	}
	interleave(b, 100, []variant{
		{"none", handler(nil)},
		{"passthrough", handler(stacktest.AddPassthrough)},
		{"RetryOnAuthFailure", handler(middleware.RetryOnAuthFailure(creds))},
	}, "passthrough")
}

// okHandler answers every operation with success.
type okHandler struct{}

func (okHandler) Handle(context.Context, any) (any, smithymiddleware.Metadata, error) {
	return "ok", smithymiddleware.Metadata{}, nil
}

func callLoop(b *testing.B, parallel bool, client *sts.Client) {
	ctx := context.Background()
	in := &sts.GetCallerIdentityInput{}
	if _, err := client.GetCallerIdentity(ctx, in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := client.GetCallerIdentity(ctx, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	for b.Loop() {
		if _, err := client.GetCallerIdentity(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
