package provider_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// numbered is a producer printing a new key on every run, valid for life.
func numbered(life time.Duration) *producer {
	n := 0
	return &producer{next: func(now time.Time) ([]byte, error) {
		n++
		return credsJSON(fmt.Sprintf("AKIDSTATE%04d", n), now.Add(life)), nil
	}}
}

// atRefreshMoment returns a cache that fetched one set from numbered
// hour-long sets, with the clock at that set's refresh moment.
func atRefreshMoment(t *testing.T) (*producer, *aws.CredentialsCache, *provider.Provider, aws.Credentials) {
	t.Helper()
	p := numbered(time.Hour)
	c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
		o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
	})
	first := mustRetrieve(t, c)
	time.Sleep(time.Until(first.Expires))
	return p, c, prov, first
}

// TestDirectCallsRunEveryTime: handing, with no cache to store the set,
// an ask runs the command.
func TestDirectCallsRunEveryTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := numbered(time.Hour)
		_, prov := provider.NewWithRunner(p.run)
		for i := range 3 {
			got, err := prov.Retrieve(context.Background())
			if err != nil || got.AccessKeyID != fmt.Sprintf("AKIDSTATE%04d", i+1) {
				t.Fatalf("direct Retrieve() %d = %s, %v; want a new key from a run", i, got.AccessKeyID, err)
			}
		}
	})
}

// TestReplacedSetIsStoredExpired: a background run that ends between
// Retrieve returning a set and the cache storing it replaces the set; the
// cache stores the old one expired and gets the new one on its next call.
// Credentials of another source are moved by the window, as the cache's
// default does.
func TestReplacedSetIsStoredExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, c, prov, first := atRefreshMoment(t)

		// As the cache does, in two steps, with the run ending in between.
		served, err := prov.Retrieve(context.Background())
		if err != nil || served.AccessKeyID != first.AccessKeyID {
			t.Fatalf("Retrieve() at the moment = %s, %v; want the held %s", served.AccessKeyID, err, first.AccessKeyID)
		}
		synctest.Wait()
		provider.WaitBackground(prov)
		stored, _ := prov.AdjustExpiresBy(served, -time.Nanosecond)
		if !stored.Expires.Equal(time.Now()) {
			t.Errorf("AdjustExpiresBy(replaced set).Expires = now + %v; want now", time.Until(stored.Expires))
		}
		if got := mustRetrieve(t, c); got.AccessKeyID != "AKIDSTATE0002" || p.runs() != 2 {
			t.Errorf("next Retrieve() = %s after %d runs; want AKIDSTATE0002 from 2 runs", got.AccessKeyID, p.runs())
		}

		other := aws.Credentials{AccessKeyID: "AKIDOTHER", CanExpire: true, Expires: time.Now().Add(time.Hour), Source: "other"}
		if got, _ := prov.AdjustExpiresBy(other, -time.Minute); !got.Expires.Equal(other.Expires.Add(-time.Minute)) {
			t.Errorf("AdjustExpiresBy(other source).Expires = %v; want moved by the window", got.Expires)
		}
	})
}

// TestFreshSetIsHandedOverAfterInvalidate: a set a background run fetched
// is handed over at the next ask even if the cache was invalidated: it is
// newer than the set the cache dropped, so no run is needed.
func TestFreshSetIsHandedOverAfterInvalidate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, c, prov, _ := atRefreshMoment(t)
		mustRetrieve(t, c) // starts the background run
		synctest.Wait()
		provider.WaitBackground(prov)
		c.Invalidate()
		if got := mustRetrieve(t, c); got.AccessKeyID != "AKIDSTATE0002" || p.runs() != 2 {
			t.Errorf("Retrieve() after Invalidate = %s after %d runs; want the fresh AKIDSTATE0002, 2 runs", got.AccessKeyID, p.runs())
		}
	})
}
