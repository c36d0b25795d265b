package provider_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

func TestFailedRefreshKeepsValidCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1, Stderr: "broker unavailable"}
			}
			return credsJSON("AKID"+now.Format("150405"), now.Add(time.Hour)), nil
		}}
		log := &recorder{}
		c, _ := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
			o.Logger = log
		})

		first := mustRetrieve(t, c)
		failing = true
		time.Sleep(30 * time.Minute)
		for time.Since(start) < time.Hour-time.Second {
			if got := mustRetrieve(t, c); got.AccessKeyID != first.AccessKeyID {
				t.Fatalf("served %s; want the held %s while it is valid", got.AccessKeyID, first.AccessKeyID)
			}
			time.Sleep(time.Second)
		}
		warnings := 0
		for _, line := range log.all() {
			if strings.HasPrefix(line, "WARN") {
				warnings++
				if !strings.Contains(line, "broker unavailable") {
					t.Errorf("warning lacks the cause: %s", line)
				}
			}
		}
		if warnings != p.runs()-1 {
			t.Errorf("warnings = %d for %d failed runs; want one per failed run", warnings, p.runs()-1)
		}
		if failed := p.runs() - 1; failed > 30+6 {
			t.Errorf("failed runs in the last 30 minutes = %d; want about one a minute", failed)
		}

		time.Sleep(time.Second)
		_, err := c.Retrieve(context.Background())
		var pe *provider.ProcessError
		if !errors.As(err, &pe) || pe.Stderr != "broker unavailable" {
			t.Fatalf("Retrieve() after expiry error = %v; want the *ProcessError", err)
		}

		// The command recovers; it runs again once the backoff has passed.
		failing = false
		time.Sleep(provider.FailureBackoff)
		if got := mustRetrieve(t, c); got.AccessKeyID == first.AccessKeyID {
			t.Errorf("after recovery served %s; want fresh credentials", got.AccessKeyID)
		}
	})
}

// TestInvalidatedCredentialsAreNotServedOnFailure: once the cache was
// invalidated (a server rejected the credentials), a failing refresh is an
// error, not a fallback to the rejected set.
func TestInvalidatedCredentialsAreNotServedOnFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
			}
			return credsJSON("AKIDREJECTED", now.Add(time.Hour)), nil
		}}
		c, _ := provider.NewWithRunner(p.run)
		mustRetrieve(t, c)
		failing = true
		c.Invalidate()
		if _, err := c.Retrieve(context.Background()); err == nil {
			t.Fatal("Retrieve() after Invalidate with a failing command = nil error; want the failure")
		}
	})
}

// TestWarningsGoToTheClientLogger: without Options.Logger, a failed refresh
// is reported to the logger the SDK client put in the request context, and
// debug lines are not.
func TestWarningsGoToTheClientLogger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failing := false
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if failing {
				return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 1}
			}
			return credsJSON("AKIDLOGGED000001", now.Add(time.Hour)), nil
		}}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
		})
		client := &recorder{}
		ctx := smithymiddleware.SetLogger(context.Background(), client)
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
		failing = true
		time.Sleep(30 * time.Minute)
		if _, err := c.Retrieve(ctx); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		provider.WaitBackground(prov)
		lines := client.all()
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "WARN") {
			t.Errorf("client logger got %q; want one warning", lines)
		}
	})
}
