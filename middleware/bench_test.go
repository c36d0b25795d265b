package middleware_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/middleware"
)

// passthrough stands where the middleware's two parts stand and does nothing.
type passthrough string

func (p passthrough) ID() string { return string(p) }

func (passthrough) HandleFinalize(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
	smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
) {
	return next.HandleFinalize(ctx, in)
}

func addPassthrough(s *smithymiddleware.Stack) error {
	if err := s.Finalize.Insert(passthrough("PassthroughOuter"), "Retry", smithymiddleware.Before); err != nil {
		return err
	}
	return s.Finalize.Insert(passthrough("PassthroughInner"), "Signing", smithymiddleware.After)
}

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
		{"passthrough", addPassthrough},
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
	want := allocs(addPassthrough)
	if got := allocs(middleware.RetryOnAuthFailure(creds)); got != want {
		t.Errorf("allocs per successful call = %v; want %v (as with pass-through middleware)", got, want)
	}
}
