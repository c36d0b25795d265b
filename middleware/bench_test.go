package middleware_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/internal/stacktest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// okService answers every request with success and keeps nothing.
type okService struct{}

func (okService) Handle(context.Context, any) (any, smithymiddleware.Metadata, error) {
	return "ok", smithymiddleware.Metadata{}, nil
}

// BenchmarkSuccessPath runs one prepared stack (the SDK's real Retry
// middleware and a signing stand-in) over a service that always succeeds.
// The passthrough and RetryOnAuthFailure variants should report the same
// allocs/op: on success the middleware allocates nothing.
func BenchmarkSuccessPath(b *testing.B) {
	creds := aws.NewCredentialsCache(&rotatingProvider{})
	variants := []struct {
		name string
		opt  func(*smithymiddleware.Stack) error
	}{
		{"passthrough", stacktest.AddPassthrough},
		{"RetryOnAuthFailure", middleware.RetryOnAuthFailure(creds)},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			stack := opStack(creds, nil, false)
			if err := v.opt(stack); err != nil {
				b.Fatal(err)
			}
			h := smithymiddleware.DecorateHandler(okService{}, stack)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := h.Handle(ctx, struct{}{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSuccessPathAllocs pins what BenchmarkSuccessPath shows: the middleware
// adds no allocation to a successful call beyond what any two middleware in
// the same places cost.
func TestSuccessPathAllocs(t *testing.T) {
	creds := aws.NewCredentialsCache(&rotatingProvider{})
	allocs := func(opt func(*smithymiddleware.Stack) error) float64 {
		stack := opStack(creds, nil, false)
		if err := opt(stack); err != nil {
			t.Fatal(err)
		}
		h := smithymiddleware.DecorateHandler(okService{}, stack)
		ctx := context.Background()
		return testing.AllocsPerRun(100, func() {
			if _, _, err := h.Handle(ctx, struct{}{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	want := allocs(stacktest.AddPassthrough)
	if got := allocs(middleware.RetryOnAuthFailure(creds)); got != want {
		t.Errorf("allocs per successful call = %v; want %v (as with pass-through middleware)", got, want)
	}
}
