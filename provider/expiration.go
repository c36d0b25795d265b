package provider

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// Expiration returns the Expiration the command printed for creds, a set
// that cache (made by [New], [NewArgs] or [NewFromProfile]) returned, for
// callers who show how long the credentials are valid:
//
//	c, err := cache.Retrieve(ctx)
//	if exp, ok := provider.Expiration(cache, c); ok {
//		fmt.Println("valid until", exp)
//	}
//
// It is needed because c.Expires is the moment the [strategy.Strategy]
// picked for the next refresh, which the cache compares with the clock, not
// the producer's expiry. ok is false for credentials that never expire,
// for a set the cache did not serve among its last few, and for a cache
// this package did not make. It is safe for concurrent use.
func Expiration(cache *aws.CredentialsCache, creds aws.Credentials) (expires time.Time, ok bool) {
	return served.Expires(cache, creds.AccessKeyID, creds.SessionToken)
}
