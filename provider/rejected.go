package provider

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

type rejectedKey struct{}

type rejectedSet struct{ accessKeyID, sessionToken string }

// WithRejected returns a context telling a [Provider], through the cache's
// Retrieve, that a service rejected the credentials with this access key id
// and session token: Retrieve then runs the command rather than serve them
// again, even while they are valid by their expiry.
// [github.com/seed-dcc28122/credprocess/middleware] sets it before it
// invalidates the cache and retrieves again.
func WithRejected(ctx context.Context, accessKeyID, sessionToken string) context.Context {
	return context.WithValue(ctx, rejectedKey{}, rejectedSet{accessKeyID, sessionToken})
}

func isRejected(ctx context.Context, c aws.Credentials) bool {
	r, ok := ctx.Value(rejectedKey{}).(rejectedSet)
	return ok && r.accessKeyID == c.AccessKeyID && r.sessionToken == c.SessionToken
}
