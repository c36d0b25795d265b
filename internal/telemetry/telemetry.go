// Package telemetry is how the provider and the middleware report what
// they do through smithy-go's metrics and tracing interfaces, the ones
// aws-sdk-go-v2 clients take: the instrument names, units and attributes
// the README lists, in one place.
//
// A nil *Meter records nothing, so that code without a MeterProvider pays
// a nil check.
package telemetry

import (
	"context"
	"time"

	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"
)

// Scope names this module to meter and tracer providers.
const Scope = "github.com/seed-dcc28122/credprocess"

// The instruments. Durations are in seconds.
const (
	// Runs counts the credentials a provider obtained or failed to, by
	// Outcome.
	Runs = "credprocess.runs"
	// RunDuration is how long each run of the command took, in this
	// process.
	RunDuration = "credprocess.run.duration"
	// LockWait is how long a process waited for the shared cache's lock.
	LockWait = "credprocess.lock.wait"
	// StaleServed counts refresh failures while still-valid credentials
	// stay in service, and StaleTimeLeft is how long those had left.
	StaleServed   = "credprocess.stale_served"
	StaleTimeLeft = "credprocess.stale_served.time_left"
	// Replays counts operations the middleware replayed, by Code.
	Replays = "credprocess.replays"
	// RejectionsHeld counts rejections the rejection backoff answered
	// without a run, by Code.
	RejectionsHeld = "credprocess.rejections.held"
)

// Attributes.
const (
	// Outcome is how a run ended: OK, Exit, Timeout, Output, Interrupted,
	// or, without a run, SharedHit or Backoff.
	Outcome = "outcome"
	// Code is the API error code of a rejection.
	Code = "code"
)

// Outcomes.
const (
	OK          = "ok"          // the command printed valid credentials
	Exit        = "exit"        // it exited non-zero, could not start, or was killed
	Timeout     = "timeout"     // Options.Timeout stopped it
	Output      = "output"      // its output broke the specification
	Interrupted = "interrupted" // Ctrl-C ended it
	SharedHit   = "shared_hit"  // another process's run answered, from the shared cache
	Backoff     = "backoff"     // a failure moments ago answered, without a run
)

// Span names, and the properties of a run's span.
const (
	RunSpan = "credprocess.run"
	// Program is the program's name, never its arguments; SpanOutcome is
	// as Outcome.
	Program     = "credprocess.program"
	ExitCode    = "credprocess.exit_code"
	SpanOutcome = "credprocess.outcome"
	// Linked lists the spans of the requests that waited for the run, as
	// TRACEID/SPANID: a run that several requests share is the child of
	// none of them. smithy-go's tracing has no links of its own.
	Linked = "credprocess.linked_spans"
	// RunEvent is the event added to a waiting request's span, with the
	// run's span in Run.
	RunEvent = "credprocess.run"
	Run      = "credprocess.run_span"
	// ReplaySpan is the span, or event, of a replay, with Code.
	ReplaySpan = "credprocess.replay"
)

// Meter holds the instruments of one provider or middleware.
type Meter struct {
	runs          metrics.Int64Counter
	runDuration   metrics.Float64Histogram
	lockWait      metrics.Float64Histogram
	staleServed   metrics.Int64Counter
	staleTimeLeft metrics.Float64Histogram
	replays       metrics.Int64Counter
	held          metrics.Int64Counter
}

// NewMeter creates the instruments from mp; nil for a nil mp.
func NewMeter(mp metrics.MeterProvider) *Meter {
	if mp == nil {
		return nil
	}
	m := mp.Meter(Scope)
	var t Meter
	counter := func(name, desc string) metrics.Int64Counter {
		c, err := m.Int64Counter(name, withDesc("{count}", desc))
		if err != nil {
			return nopCounter{}
		}
		return c
	}
	histogram := func(name, desc string) metrics.Float64Histogram {
		h, err := m.Float64Histogram(name, withDesc("s", desc))
		if err != nil {
			return nopHistogram{}
		}
		return h
	}
	t.runs = counter(Runs, "Credentials obtained, or not, by outcome")
	t.runDuration = histogram(RunDuration, "How long a run of the credential_process command took")
	t.lockWait = histogram(LockWait, "How long a process waited for the shared cache's lock")
	t.staleServed = counter(StaleServed, "Refresh failures while still-valid credentials stay in service")
	t.staleTimeLeft = histogram(StaleTimeLeft, "Time left to credentials kept in service after a failed refresh")
	t.replays = counter(Replays, "Operations replayed with refreshed credentials, by error code")
	t.held = counter(RejectionsHeld, "Rejections answered by the rejection backoff without a run, by error code")
	return &t
}

func withDesc(unit, desc string) metrics.InstrumentOption {
	return func(o *metrics.InstrumentOptions) { o.UnitLabel, o.Description = unit, desc }
}

func attr(k, v string) metrics.RecordMetricOption {
	return func(o *metrics.RecordMetricOptions) { o.Properties.Set(k, v) }
}

// Run records credentials obtained or not, with how long this process's
// run took (zero without one).
func (t *Meter) Run(ctx context.Context, outcome string, took time.Duration) {
	if t == nil {
		return
	}
	t.runs.Add(ctx, 1, attr(Outcome, outcome))
	if took > 0 {
		t.runDuration.Record(ctx, took.Seconds())
	}
}

// LockWaited records a wait for the shared cache's lock.
func (t *Meter) LockWaited(ctx context.Context, d time.Duration) {
	if t == nil {
		return
	}
	t.lockWait.Record(ctx, d.Seconds())
}

// Stale records a refresh failure while credentials with left to live
// stay in service.
func (t *Meter) Stale(ctx context.Context, left time.Duration) {
	if t == nil {
		return
	}
	t.staleServed.Add(ctx, 1)
	t.staleTimeLeft.Record(ctx, left.Seconds())
}

// Replayed records an operation replayed after a rejection with code.
func (t *Meter) Replayed(ctx context.Context, code string) {
	if t == nil {
		return
	}
	t.replays.Add(ctx, 1, attr(Code, code))
}

// Held records a rejection with code that the backoff answered.
func (t *Meter) Held(ctx context.Context, code string) {
	if t == nil {
		return
	}
	t.held.Add(ctx, 1, attr(Code, code))
}

type nopCounter struct{}

func (nopCounter) Add(context.Context, int64, ...metrics.RecordMetricOption) {}

type nopHistogram struct{}

func (nopHistogram) Record(context.Context, float64, ...metrics.RecordMetricOption) {}

// SpanRef renders a span's context for Linked and Run.
func SpanRef(s tracing.Span) string {
	c := s.Context()
	if !c.IsValid() {
		return ""
	}
	return c.TraceID + "/" + c.SpanID
}
