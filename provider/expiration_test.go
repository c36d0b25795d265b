package provider_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestExpiration: the cache's Expires is the strategy's refresh moment;
// Expiration returns what the command printed.
func TestExpiration(t *testing.T) {
	exp := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	exe := helper(t, helperSpec{Stdout: string(credsJSON("AKIDEXPIRATION", exp))})
	cache := provider.New(quoted(exe), func(o *provider.Options) {
		o.Strategy = strategy.Func(func(expires, now time.Time) time.Time { return expires.Add(-time.Hour) })
	})
	c, err := cache.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := exp.Add(-time.Hour); !c.Expires.Equal(want) {
		t.Errorf("Retrieve().Expires = %v; want the refresh moment %v", c.Expires, want)
	}
	got, ok := provider.Expiration(cache, c)
	if !ok || !got.Equal(exp) {
		t.Errorf("Expiration = %v, %t; want %v, true", got, ok, exp)
	}

	other := c
	other.AccessKeyID = "AKIDNEVERSERVED"
	if _, ok := provider.Expiration(cache, other); ok {
		t.Error("Expiration of a set the cache never served: ok = true")
	}
	if _, ok := provider.Expiration(aws.NewCredentialsCache(aws.AnonymousCredentials{}), c); ok {
		t.Error("Expiration from a cache this package did not make: ok = true")
	}
}

func TestExpirationLongTerm(t *testing.T) {
	exe := helper(t, helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKIDLONGTERM","SecretAccessKey":"s"}`})
	cache := provider.New(quoted(exe))
	c, err := cache.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if exp, ok := provider.Expiration(cache, c); ok {
		t.Errorf("Expiration of long-term keys = %v, true; want false", exp)
	}
}
