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

// TestReplacedSetIsStoredExpired: a background run that ends between
// Retrieve returning a set and the cache storing it replaces the set; the
// cache stores the old one expired and gets the new one on its next call.
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
