package served_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// sequence hands out KEY1, KEY2, ... and fails when fail is set.
type sequence struct {
	n    int
	fail bool
}

func (s *sequence) Retrieve(context.Context) (aws.Credentials, error) {
	if s.fail {
		return aws.Credentials{}, errors.New("no")
	}
	s.n++
	return aws.Credentials{
		AccessKeyID: fmt.Sprintf("KEY%d", s.n), SecretAccessKey: "secret", SessionToken: fmt.Sprintf("token%d", s.n),
		CanExpire: true, Expires: time.Date(2030, 1, 1, s.n, 0, 0, 0, time.UTC),
	}, nil
}

func TestServedRecordsRecentSets(t *testing.T) {
	p := &sequence{}
	c := served.NewCache(p, served.Withdrawal{})
	for range 10 {
		c.Invalidate()
		if _, err := c.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n <= 10; n++ {
		got, known := served.Served(c, served.SetOf(fmt.Sprintf("KEY%d", n), fmt.Sprintf("token%d", n)))
		if want := n > 2; got != want || !known {
			t.Errorf("Served(KEY%d) = %t, %t; want %t, true (the last 8 sets)", n, got, known, want)
		}
	}
	if got, _ := served.Served(c, served.SetOf("KEY10", "token9")); got {
		t.Error("Served(KEY10 with another token) = true")
	}
	if exp, ok := served.Expires(c, "KEY10", "token10"); !ok || !exp.Equal(time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("Expires(KEY10) = %v, %t; want the provider's expiry", exp, ok)
	}
	if _, known := served.Served(aws.NewCredentialsCache(p), served.SetOf("KEY1", "token1")); known {
		t.Error("a cache NewCache did not make is known")
	}
}

// The recorder keeps the cache behaving as if it held the provider itself.
func TestServedPassesThrough(t *testing.T) {
	static := credentials.NewStaticCredentialsProvider("AKID", "secret", "")
	c := served.NewCache(static, served.Withdrawal{})
	if !c.IsCredentialsProvider(credentials.StaticCredentialsProvider{}) {
		t.Error("IsCredentialsProvider(StaticCredentialsProvider) = false through the recorder")
	}
	if got, want := c.ProviderSources(), aws.NewCredentialsCache(static).ProviderSources(); !slices.Equal(got, want) {
		t.Errorf("ProviderSources() = %v; want %v, the provider's", got, want)
	}

	// Without HandleFailToRefresh the error reaches the caller, as with
	// the cache's default; the window moves Expires as the default does.
	p := &sequence{}
	c = served.NewCache(p, served.Withdrawal{}, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = time.Minute })
	got, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 1, 1, 1, 0, 0, 0, time.UTC).Add(-time.Minute); !got.Expires.Equal(want) {
		t.Errorf("Expires = %v; want %v, moved by the window", got.Expires, want)
	}
	p.fail = true
	c.Invalidate()
	if _, err := c.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "no") {
		t.Errorf("failed refresh: err = %v; want the provider's error", err)
	}
}
