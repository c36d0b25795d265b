// Package stacktest holds smithy-go middleware stand-ins for benchmarks
// that measure what the credprocess middleware adds to a client's stack.
package stacktest

import (
	"context"

	"github.com/aws/smithy-go/middleware"
)

// Passthrough is a Finalize middleware that does nothing. Standing where
// the credprocess middleware's two parts stand, it separates the cost of
// any two added middleware (the SDK copies and grows its slices) from the
// cost of ours. Its ID is its value.
type Passthrough string

var _ middleware.FinalizeMiddleware = Passthrough("")

// ID returns p.
func (p Passthrough) ID() string { return string(p) }

// HandleFinalize calls next with in, unchanged.
func (Passthrough) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	return next.HandleFinalize(ctx, in)
}

// AddPassthrough inserts two Passthroughs into s where
// middleware.RetryOnAuthFailure puts its parts: before the SDK's Retry and
// after Signing.
func AddPassthrough(s *middleware.Stack) error {
	if err := s.Finalize.Insert(Passthrough("PassthroughOuter"), "Retry", middleware.Before); err != nil {
		return err
	}
	return s.Finalize.Insert(Passthrough("PassthroughInner"), "Signing", middleware.After)
}
