package provider_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/smithy-go/tracing"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/telemetrytest"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestMetrics: every way of obtaining credentials, or failing to, is
// counted by outcome, with the unit the README gives each instrument.
func TestMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &telemetrytest.Meter{}
		var fail error
		n := 0
		p := &producer{next: func(now time.Time) ([]byte, error) {
			if fail != nil {
				return nil, fail
			}
			n++
			if n == 3 {
				return []byte("Fetching...\n{}"), nil
			}
			return credsJSON("AKIDMETRICS", now.Add(time.Hour)), nil
		}}
		c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
			o.MeterProvider = m
			o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
		})
		mustRetrieve(t, c) // ok
		fail = &provider.ProcessError{Program: "fake-producer", ExitCode: 3}
		time.Sleep(35 * time.Minute) // the moment: a background run fails, the set stays
		mustRetrieve(t, c)
		synctest.Wait()
		provider.WaitBackground(prov)
		c.Invalidate()                   // nothing valid held: the run fails, then the backoff answers
		c.Retrieve(context.Background()) //nolint:errcheck // fails
		c.Retrieve(context.Background()) //nolint:errcheck // fails from the backoff
		time.Sleep(provider.FailureBackoff)
		fail = nil
		mustRetrieve(t, c) // ok
		c.Invalidate()
		if _, err := c.Retrieve(context.Background()); err == nil { // the banner: output
			t.Fatal("Retrieve() of a banner = nil error")
		}

		want := map[string]float64{"ok": 2, "exit": 2, "backoff": 1, "output": 1}
		got := map[string]float64{}
		for _, r := range m.Records("credprocess.runs") {
			got[r.Attrs["outcome"].(string)] += r.Value
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("credprocess.runs by outcome (-want +got):\n%s", diff)
		}
		if got := m.Count("credprocess.stale_served", "", nil); got != 1 {
			t.Errorf("credprocess.stale_served = %v; want 1 (the background failure with a valid set)", got)
		}
		if r := m.Records("credprocess.stale_served.time_left"); len(r) != 1 || r[0].Value != (25*time.Minute).Seconds() {
			t.Errorf("credprocess.stale_served.time_left = %v; want one record of 1500 s", r)
		}
		for name, unit := range map[string]string{
			"credprocess.runs": "{count}", "credprocess.run.duration": "s", "credprocess.stale_served": "{count}",
			"credprocess.stale_served.time_left": "s", "credprocess.lock.wait": "s",
		} {
			if got := m.Unit(name); got != unit {
				t.Errorf("unit of %s = %q; want %q", name, got, unit)
			}
		}
	})
}

// TestMetricsShared: a set from the host's entry counts as a shared hit,
// with no run duration, and the wait for the lock is recorded.
func TestMetricsShared(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
	exe, _ := portableProducer(t, "creds", "AKIDMETRICSSHARED", nil)
	m := &telemetrytest.Meter{}
	for range 2 {
		c := provider.NewArgs([]string{exe}, func(o *provider.Options) {
			o.SharedDir = dir
			o.MeterProvider = m
		})
		if _, err := c.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if ok, hit := m.Count("credprocess.runs", "outcome", "ok"), m.Count("credprocess.runs", "outcome", "shared_hit"); ok != 1 || hit != 1 {
		t.Errorf("runs: ok %v, shared_hit %v; want 1 and 1", ok, hit)
	}
	if n := len(m.Records("credprocess.run.duration")); n != 1 {
		t.Errorf("credprocess.run.duration records = %d; want 1, the run", n)
	}
}

// TestTraces: a run gets a span of its own, with the program's name and
// exit code and never its arguments, the child of no request; the request
// that waited for it is linked to it both ways. Without a TracerProvider,
// a run a request waits for uses the operation's tracer, and a background
// run is not traced.
func TestTraces(t *testing.T) {
	for _, viaOptions := range []bool{true, false} {
		name := map[bool]string{true: "Options.TracerProvider", false: "the operation's tracer"}[viaOptions]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &telemetrytest.Tracer{}
				n := 0
				p := &producer{next: func(now time.Time) ([]byte, error) {
					n++
					if n == 2 {
						return nil, &provider.ProcessError{Program: "fake-producer", ExitCode: 5}
					}
					return credsJSON("AKIDTRACE", now.Add(time.Hour)), nil
				}}
				c, prov := provider.NewWithRunner(p.run, func(o *provider.Options) {
					if viaOptions {
						o.TracerProvider = tr
					}
					o.Strategy = strategy.BeforeExpiredWithJitter{Rand: fixed(0)}
				})
				// A request of an operation the SDK traces.
				ctx, op := tr.StartSpan(tracing.WithOperationTracer(context.Background(), tr), "STS.GetCallerIdentity")
				if _, err := c.Retrieve(ctx); err != nil {
					t.Fatal(err)
				}
				time.Sleep(35 * time.Minute) // a background run, which fails
				if _, err := c.Retrieve(ctx); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				provider.WaitBackground(prov)

				runs := tr.Spans("credprocess.run")
				wantRuns := 1
				if viaOptions {
					wantRuns = 2
				}
				if len(runs) != wantRuns {
					t.Fatalf("run spans = %d; want %d", len(runs), wantRuns)
				}
				first := runs[0]
				if first.Parent != "" {
					t.Errorf("the run's span is the child of %s; want a root span", first.Parent)
				}
				want := map[any]any{
					"credprocess.program":      "fake-producer",
					"credprocess.exit_code":    0,
					"credprocess.outcome":      "ok",
					"credprocess.linked_spans": []string{"trace/" + op.Context().SpanID},
				}
				if diff := cmp.Diff(want, first.Properties()); diff != "" {
					t.Errorf("run span properties (-want +got):\n%s", diff)
				}
				if ended, status := first.Ended(); !ended || status != tracing.SpanStatusOK {
					t.Errorf("run span ended %v with status %v; want ended, OK", ended, status)
				}
				if diff := cmp.Diff([]string{"credprocess.run credprocess.run_span=trace/" + first.Context().SpanID}, op.(*telemetrytest.Span).Events()); diff != "" {
					t.Errorf("the request's span events (-want +got):\n%s", diff)
				}
				if viaOptions {
					if ended, status := runs[1].Ended(); !ended || status != tracing.SpanStatusError || runs[1].Property("credprocess.exit_code") != 5 {
						t.Errorf("background run span: ended %v, status %v, exit code %v; want ended, error, 5", ended, status, runs[1].Property("credprocess.exit_code"))
					}
				}
			})
		})
	}
}
