// Package telemetrytest records metrics and spans in memory, through
// smithy-go's MeterProvider and TracerProvider interfaces, for tests to
// read.
package telemetrytest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"
)

// Record is one value recorded on an instrument, with its attributes.
type Record struct {
	Value float64
	Attrs map[any]any
}

// Meter is a metrics.MeterProvider that keeps every record by instrument
// name, and each instrument's unit.
type Meter struct {
	metrics.NopMeter

	mu      sync.Mutex
	records map[string][]Record
	units   map[string]string
}

var _ metrics.MeterProvider = (*Meter)(nil)

// Meter implements metrics.MeterProvider.
func (m *Meter) Meter(string, ...metrics.MeterOption) metrics.Meter { return m }

// Int64Counter implements metrics.Meter.
func (m *Meter) Int64Counter(name string, opts ...metrics.InstrumentOption) (metrics.Int64Counter, error) {
	m.unit(name, opts)
	return intInstrument{m, name}, nil
}

// Float64Histogram implements metrics.Meter.
func (m *Meter) Float64Histogram(name string, opts ...metrics.InstrumentOption) (metrics.Float64Histogram, error) {
	m.unit(name, opts)
	return floatInstrument{m, name}, nil
}

func (m *Meter) unit(name string, opts []metrics.InstrumentOption) {
	var o metrics.InstrumentOptions
	for _, fn := range opts {
		fn(&o)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.units == nil {
		m.units = map[string]string{}
	}
	m.units[name] = o.UnitLabel
}

func (m *Meter) add(name string, v float64, opts []metrics.RecordMetricOption) {
	var o metrics.RecordMetricOptions
	for _, fn := range opts {
		fn(&o)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.records == nil {
		m.records = map[string][]Record{}
	}
	m.records[name] = append(m.records[name], Record{v, o.Properties.Values()})
}

// Records returns what was recorded on the instrument name.
func (m *Meter) Records(name string) []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.records[name])
}

// Count sums the values recorded on name whose attribute key is value
// (any value when key is empty).
func (m *Meter) Count(name, key string, value any) float64 {
	var n float64
	for _, r := range m.Records(name) {
		if key == "" || r.Attrs[key] == value {
			n += r.Value
		}
	}
	return n
}

// Unit returns the unit the instrument name was created with.
func (m *Meter) Unit(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.units[name]
}

type intInstrument struct {
	m    *Meter
	name string
}

func (i intInstrument) Add(_ context.Context, v int64, opts ...metrics.RecordMetricOption) {
	i.m.add(i.name, float64(v), opts)
}

type floatInstrument struct {
	m    *Meter
	name string
}

func (f floatInstrument) Record(_ context.Context, v float64, opts ...metrics.RecordMetricOption) {
	f.m.add(f.name, v, opts)
}

// Tracer is a tracing.TracerProvider and tracing.Tracer that keeps every
// span it started.
type Tracer struct {
	mu    sync.Mutex
	spans []*Span
}

var (
	_ tracing.TracerProvider = (*Tracer)(nil)
	_ tracing.Tracer         = (*Tracer)(nil)
)

// Tracer implements tracing.TracerProvider.
func (t *Tracer) Tracer(string, ...tracing.TracerOption) tracing.Tracer { return t }

// StartSpan implements tracing.Tracer: the new span's parent is the span
// in ctx, if any.
func (t *Tracer) StartSpan(ctx context.Context, name string, _ ...tracing.SpanOption) (context.Context, tracing.Span) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &Span{name: name, id: fmt.Sprintf("span%d", len(t.spans)+1), props: map[any]any{}}
	if parent, ok := tracing.GetSpan(ctx); ok {
		s.Parent = parent.Context().SpanID
	}
	t.spans = append(t.spans, s)
	return tracing.WithSpan(ctx, s), s
}

// Spans returns the spans started so far, named name ("" for all).
func (t *Tracer) Spans(name string) []*Span {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*Span
	for _, s := range t.spans {
		if name == "" || s.name == name {
			out = append(out, s)
		}
	}
	return out
}

// Span is a recorded span.
type Span struct {
	name   string
	id     string
	Parent string // the parent's span id; "" for a root span

	mu     sync.Mutex
	props  map[any]any
	events []string
	status tracing.SpanStatus
	ended  bool
}

var _ tracing.Span = (*Span)(nil)

// Name implements tracing.Span.
func (s *Span) Name() string { return s.name }

// Context implements tracing.Span.
func (s *Span) Context() tracing.SpanContext {
	return tracing.SpanContext{TraceID: "trace", SpanID: s.id}
}

// AddEvent implements tracing.Span; the event is kept as NAME or
// NAME k=v for its one property.
func (s *Span) AddEvent(name string, opts ...tracing.EventOption) {
	var o tracing.EventOptions
	for _, fn := range opts {
		fn(&o)
	}
	e := name
	for k, v := range o.Properties.Values() {
		e += fmt.Sprintf(" %v=%v", k, v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

// SetStatus implements tracing.Span.
func (s *Span) SetStatus(st tracing.SpanStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = st
}

// SetProperty implements tracing.Span.
func (s *Span) SetProperty(k, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.props[k] = v
}

// End implements tracing.Span.
func (s *Span) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
}

// Property returns the span's property k.
func (s *Span) Property(k any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.props[k]
}

// Properties returns all the span's properties.
func (s *Span) Properties() map[any]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[any]any{}
	for k, v := range s.props {
		out[k] = v
	}
	return out
}

// Events returns the span's events.
func (s *Span) Events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// Ended reports whether End was called, and the status.
func (s *Span) Ended() (bool, tracing.SpanStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended, s.status
}
