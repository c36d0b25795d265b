package provider_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestRejectedSetIsWithdrawn: once the cache was invalidated or a set was
// rejected, a failing command makes every later Retrieve fail until a run
// succeeds; the rejected set is not handed out again, whatever the time.
func TestRejectedSetIsWithdrawn(t *testing.T) {
	for _, marked := range []bool{false, true} {
		t.Run(fmt.Sprintf("Reject=%v", marked), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				failing := false
				n := 0
				p := &producer{next: func(now time.Time) ([]byte, error) {
					if failing {
						return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
					}
					n++
					return credsJSON(fmt.Sprintf("AKIDWITHDRAWN%03d", n), now.Add(time.Hour)), nil
				}}
				c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
					o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
				})
				rejected := mustRetrieve(t, c)
				failing = true
				if marked {
					time.Sleep(35 * time.Minute) // inside the window, past the moment
				}
				c.Invalidate()
				if marked {
					served.Reject(c, served.SetOf(rejected.AccessKeyID, rejected.SessionToken))
				}
				if _, err := c.Retrieve(context.Background()); err == nil {
					t.Fatal("Retrieve after rejection with a failing command = nil error")
				}
				for range 3 {
					time.Sleep(40 * time.Minute / 3)
					if got, err := c.Retrieve(context.Background()); err == nil {
						t.Fatalf("later Retrieve served %s; want the failure, not the rejected set", got.AccessKeyID)
					}
				}
				failing = false
				time.Sleep(provider.FailureBackoff)
				if got := mustRetrieve(t, c); got.AccessKeyID == rejected.AccessKeyID {
					t.Errorf("after recovery served %s; want a new set", got.AccessKeyID)
				}
			})
		})
	}
}

func TestRejectAndWithheld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		same := false
		n := 0
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if !same {
				n++
			}
			return credsJSON(fmt.Sprintf("AKIDREJECT%04d", n), now.Add(time.Hour)), nil
		}}
		c, _ := provider.NewWithRunner(p.run)
		k1 := mustRetrieve(t, c)
		if served.Withheld(c, served.SetOf(k1.AccessKeyID, k1.SessionToken)) {
			t.Fatal("Withheld before Reject = true")
		}
		served.Reject(c, served.SetOf(k1.AccessKeyID, k1.SessionToken))
		if !served.Withheld(c, served.SetOf(k1.AccessKeyID, k1.SessionToken)) {
			t.Fatal("Withheld after Reject = false")
		}
		c.Invalidate()
		if k2 := mustRetrieve(t, c); k2.AccessKeyID == k1.AccessKeyID || served.Withheld(c, served.SetOf(k1.AccessKeyID, k1.SessionToken)) {
			t.Errorf("after a run: got %s, Withheld(k1) = %v; want a new key and false", k2.AccessKeyID, served.Withheld(c, served.SetOf(k1.AccessKeyID, k1.SessionToken)))
		}

		// A producer that hands back the rejected set: the run's result is
		// served, and not withheld.
		same = true
		k2 := mustRetrieve(t, c)
		served.Reject(c, served.SetOf(k2.AccessKeyID, k2.SessionToken))
		c.Invalidate()
		if k3 := mustRetrieve(t, c); k3.AccessKeyID != k2.AccessKeyID || served.Withheld(c, served.SetOf(k3.AccessKeyID, k3.SessionToken)) {
			t.Errorf("same set from a run: got %s, withheld %v; want %s, false", k3.AccessKeyID, served.Withheld(c, served.SetOf(k3.AccessKeyID, k3.SessionToken)), k2.AccessKeyID)
		}

		// Caches this package did not make are not affected.
		other := aws.NewCredentialsCache(aws.AnonymousCredentials{})
		served.Reject(other, served.SetOf("AKID", ""))
		if served.Withheld(other, served.SetOf("AKID", "")) {
			t.Error("Withheld for a foreign cache = true")
		}
	})
}
