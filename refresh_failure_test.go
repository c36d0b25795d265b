package credprocess_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestRefreshFailureRealCommand: a command that starts failing while the
// held credentials are valid leaves them in service, with one warning per
// failed run; once they expire the failure reaches the caller; when the
// command recovers, the same cache serves fresh credentials.
//
// The strategy asks for a refresh at once, which the provider raises to its
// floor, a tenth of the credentials' 8 seconds: failed refreshes start
// after 0.8 seconds and the error surfaces at expiry.
func TestRefreshFailureRealCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 8 seconds")
	}
	t.Parallel()
	command, state := flakyCommand(t, 8*time.Second)
	log := &logRecorder{}
	creds := provider.New(command, func(o *provider.Options) {
		o.Strategy = strategy.Func(func(_, now time.Time) time.Time { return now }) // as early as allowed
		o.MinRefreshInterval = 100 * time.Millisecond
		o.Timeout = faultTimeout
		o.Logger = log
	})
	ctx := context.Background()

	first, err := creds.Retrieve(ctx)
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	expires := flakyExpiry(t, state, first.AccessKeyID)
	writeFile(t, filepath.Join(state, "fail"), "")

	var failure error
	var failedAt time.Time
	for deadline := expires.Add(grace); failure == nil; time.Sleep(20 * time.Millisecond) {
		start := time.Now()
		if start.After(deadline) {
			t.Fatalf("Retrieve() still succeeds %v after the credentials expired", grace)
		}
		got, err := creds.Retrieve(ctx)
		switch {
		case err != nil:
			failure, failedAt = err, time.Now()
		case got.AccessKeyID != first.AccessKeyID:
			t.Fatalf("Retrieve() = %s while the command fails; want the held %s", got.AccessKeyID, first.AccessKeyID)
		case !start.Before(expires):
			t.Fatalf("Retrieve() served %s at %v, after it expired at %v", got.AccessKeyID, start, expires)
		}
	}
	if failedAt.Before(expires) {
		t.Errorf("the failure surfaced at %v, before the held credentials expired at %v", failedAt, expires)
	}
	var pe *provider.ProcessError
	if !errors.As(failure, &pe) || pe.ExitCode != 1 || !strings.Contains(pe.Stderr, "broker unavailable") {
		t.Errorf("Retrieve() after expiry error = %v; want the command's *provider.ProcessError", failure)
	}

	// Every failed run but the last, whose error reached the caller, was
	// logged once while the held credentials were served.
	failed := flakyRuns(t, state) - 1
	var warnings []string
	for _, line := range log.all() {
		if strings.HasPrefix(line, string(logging.Warn)) {
			warnings = append(warnings, line)
			if !strings.Contains(line, "broker unavailable") || !strings.Contains(line, "refresh failed") {
				t.Errorf("warning does not name the failure: %s", line)
			}
		}
	}
	if len(warnings) == 0 || len(warnings) != failed-1 {
		t.Errorf("%d warnings for %d failed runs, the last one returned; want one per failed run that was not returned:\n%s",
			len(warnings), failed, strings.Join(warnings, "\n"))
	}

	// The command recovers. Right after the failure, callers get it again
	// without a run; after a short backoff the command runs again.
	os.Remove(filepath.Join(state, "fail"))
	ran := flakyRuns(t, state)
	if _, err := creds.Retrieve(ctx); err == nil || flakyRuns(t, state) != ran {
		t.Errorf("Retrieve() right after the failure: error = %v with %d more runs; want the failure and no run", err, flakyRuns(t, state)-ran)
	}
	fresh, err := creds.Retrieve(ctx)
	for deadline := time.Now().Add(grace); err != nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		fresh, err = creds.Retrieve(ctx)
	}
	if err != nil {
		t.Fatalf("Retrieve() after recovery error = %v", err)
	}
	if fresh.AccessKeyID == first.AccessKeyID || !flakyExpiry(t, state, fresh.AccessKeyID).After(time.Now()) {
		t.Errorf("Retrieve() after recovery = %s; want fresh credentials", fresh.AccessKeyID)
	}
	assertSecretFree(t, "refresh failure", failure, log.all())
}
