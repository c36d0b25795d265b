package middleware

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/internal/telemetry"
)

// RetryOnAuthFailureID is the ID of the Finalize middleware that
// [RetryOnAuthFailure] inserts before the SDK's "Retry" middleware.
const RetryOnAuthFailureID = "CredprocessRetryOnAuthFailure"

// IDs of the SDK middleware the replay is positioned against.
const (
	retryID   = "Retry"
	signingID = "Signing"
)

// RetryOnAuthFailure returns a stack option, for config.WithAPIOptions or a
// client's Options.APIOptions, that replays an operation once with fresh
// credentials when the service rejects the credentials that signed it.
//
// creds must be the cache the client signs with, such as the one
// [github.com/seed-dcc28122/credprocess/provider.New] returns: the middleware
// invalidates it and cannot find the client's credentials any other way. A
// nil creds makes every operation fail with an error. optFns apply in order
// to [Options] holding the defaults.
//
// The middleware acts only on a rejected set that creds (or one of
// [Options.Sources]) served: when another credentials option replaced
// creds, the client signs with credentials the middleware cannot refresh,
// and a rejection of those is returned as it is, with no run and no replay.
//
// The option leaves stacks without the SDK's "Retry" or "Signing" middleware
// (presign clients) unchanged. On a stack that already has
// [RetryOnAuthFailureID] it replaces that middleware instead of adding a
// second one, so adding it twice still replays once, with the cache of the
// last call. See the package documentation for the codes, the placement and
// the interaction with the retryer.
//
// The returned function and the middleware it installs are safe for
// concurrent use by any number of clients and operations.
func RetryOnAuthFailure(creds *aws.CredentialsCache, optFns ...func(*Options)) func(*smithymiddleware.Stack) error {
	o := Options{Codes: DefaultCodes()}
	for _, fn := range optFns {
		fn(&o)
	}
	m := &retryOnAuthFailure{
		codes:  maps.Clone(o.Codes), // the caller may keep mutating its own map
		logger: o.Logger,
		meter:  telemetry.NewMeter(o.MeterProvider),
	}
	if o.TracerProvider != nil {
		m.tracer = o.TracerProvider.Tracer(telemetry.Scope)
	}
	for _, c := range append([]*aws.CredentialsCache{creds}, o.Sources...) {
		if c != nil {
			r := &refresher{creds: c, guard: served.GuardOf(c), check: served.Checker(c)}
			m.refreshers = append(m.refreshers, r)
			m.shared = m.shared || r.check != nil
		}
	}
	return func(stack *smithymiddleware.Stack) error {
		if creds == nil {
			return errors.New("middleware: RetryOnAuthFailure: nil credentials cache")
		}
		return m.register(stack)
	}
}

// retryOnAuthFailure is the outer middleware: it sees the result of the
// whole retry loop and, when the credentials were rejected, runs the loop
// once more.
type retryOnAuthFailure struct {
	codes      map[string]bool  // read-only after construction
	logger     logging.Logger   // nil: no logging
	refreshers []*refresher     // creds, then Options.Sources; read-only after construction
	shared     bool             // a cache shares its sets with other processes
	meter      *telemetry.Meter // nil: no metrics
	tracer     tracing.Tracer   // nil: events on the operation's span only
}

var _ smithymiddleware.FinalizeMiddleware = (*retryOnAuthFailure)(nil)

// ID implements [smithymiddleware.FinalizeMiddleware].
func (*retryOnAuthFailure) ID() string { return RetryOnAuthFailureID }

// register inserts the outer middleware before "Retry", so that the replay
// starts from the unsigned request and GetIdentity and Signing run again, and
// the recorder after "Signing", where the request carries the signature.
func (m *retryOnAuthFailure) register(stack *smithymiddleware.Stack) error {
	if _, ok := stack.Finalize.Get(RetryOnAuthFailureID); ok {
		// smithy-go no longer rejects duplicate IDs; a second copy would
		// nest a second replay inside the first. The later registration
		// wins, as later credentials options do, so that the middleware
		// invalidates the cache the client was last given.
		if _, err := stack.Finalize.Swap(RetryOnAuthFailureID, m); err != nil {
			return err
		}
		_, err := stack.Finalize.Swap(recordSignerID, recordSigner{m})
		return err
	}
	if _, ok := stack.Finalize.Get(retryID); !ok {
		// Presign stacks drop Retry before API options run; inserting
		// relative to it would fail the presign.
		return nil
	}
	if _, ok := stack.Finalize.Get(signingID); !ok {
		return nil
	}
	if err := stack.Finalize.Insert(m, retryID, smithymiddleware.Before); err != nil {
		return err
	}
	return stack.Finalize.Insert(recordSigner{m}, signingID, smithymiddleware.After)
}

// HandleFinalize implements [smithymiddleware.FinalizeMiddleware]. On success
// it returns the result untouched and allocates nothing. The replay's result
// and error are returned as they are, so its API error code stays reachable
// with errors.As.
func (m *retryOnAuthFailure) HandleFinalize(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
	smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
) {
	if m.shared {
		m.checkShared()
	}
	out, md, err := next.HandleFinalize(ctx, in)
	if err == nil {
		if m.backoffOn() {
			m.accepted(md)
		}
		return out, md, err
	}
	rejected, code, ok := m.rejectedBy(err, md)
	if !ok {
		return out, md, err // another error, or not signed: the code is about something else
	}
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return out, md, err
	}
	owner := m.owner(rejected)
	if owner == nil {
		// Another credentials option replaced ours: running our command
		// would not change what signs, and a replay would be rejected again.
		m.logf(ctx, logging.Debug, code, "credentials not served by this middleware's caches, not replaying")
		return out, md, err
	}

	var fresh bool
	var rerr error
	switch r := owner.guard.Rejected(rejected, time.Now()); r.Verdict {
	case served.Hold:
		// Rejected again within the backoff: the command runs no sooner
		// than until, and this operation gets the service's answer, as it
		// would without the middleware.
		m.logf(ctx, logging.Debug, code, "credentials rejected again, not running the command before %s", stamp(r.Until))
		m.meter.Held(ctx, code)
		return out, md, err
	case served.Join:
		// Another operation refreshes for the same rejection: use its
		// result, whatever it is, without a run of this one's own.
		select {
		case <-r.Wait:
		case <-ctx.Done():
			return out, md, err
		}
		fresh, rerr = owner.changed(ctx, rejected)
	default:
		if n := owner.guard.Count(); n > 1 {
			m.logf(ctx, logging.Warn, code, "credentials rejected %d times in a row; running the command again, and on the next rejection not before %s",
				n, stamp(r.Until))
		}
		// Refresh even if the body turns out not to be rewindable: the
		// cache would otherwise keep serving the rejected set to the next
		// call.
		fresh, rerr = owner.refresh(ctx, rejected)
		r.Done()
	}
	switch {
	case rerr != nil:
		m.logf(ctx, logging.Warn, code, "refresh failed, not replaying: %v", rerr)
		return out, md, err
	case !fresh:
		m.logf(ctx, logging.Debug, code, "refresh returned the rejected credentials, not replaying")
		return out, md, err
	}
	// The retry loop rewinds only from its second attempt on; the replay is
	// its first attempt again, and the first run consumed the shared stream.
	if rwErr := req.RewindStream(); rwErr != nil {
		m.logf(ctx, logging.Debug, code, "body cannot be rewound, not replaying: %v", rwErr)
		return out, md, err
	}
	m.logf(ctx, logging.Debug, code, "replaying with refreshed credentials")
	m.meter.Replayed(ctx, code)
	ctx, end := m.traceReplay(ctx, code)
	out, md, err = next.HandleFinalize(ctx, in)
	end(err)
	if err == nil {
		m.accepted(md)
	} else {
		// No second replay, but the set that signed the replay must not
		// sign the next operation either if it was rejected too.
		if signer, _, ok := m.rejectedBy(err, md); ok {
			if owner := m.owner(signer); owner != nil {
				owner.drop(ctx, signer)
			}
		}
	}
	return out, md, err
}

// rejectedBy returns the credentials that signed the attempt err answers,
// and the code, if err is one of the codes that reject them.
func (m *retryOnAuthFailure) rejectedBy(err error, md smithymiddleware.Metadata) (signer, string, bool) {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || !m.codes[apiErr.ErrorCode()] {
		return signer{}, "", false
	}
	s, ok := getSigner(md)
	return s, apiErr.ErrorCode(), ok
}

// backoffOn reports whether the rejection backoff of any of the caches is
// on; it costs an atomic load per cache.
func (m *retryOnAuthFailure) backoffOn() bool {
	for _, r := range m.refreshers {
		if r.guard.On() {
			return true
		}
	}
	return false
}

// traceReplay marks the replay of an operation rejected with code: a span
// of its own with Options.TracerProvider, else an event on the
// operation's span. end ends the span with the replay's error.
func (m *retryOnAuthFailure) traceReplay(ctx context.Context, code string) (context.Context, func(error)) {
	if m.tracer == nil {
		if s, ok := tracing.GetSpan(ctx); ok {
			s.AddEvent(telemetry.ReplaySpan, func(o *tracing.EventOptions) { o.Properties.Set(telemetry.Code, code) })
		}
		return ctx, func(error) {}
	}
	ctx, span := m.tracer.StartSpan(ctx, telemetry.ReplaySpan)
	span.SetProperty(telemetry.Code, code)
	return ctx, func(err error) {
		if err != nil {
			span.SetStatus(tracing.SpanStatusError)
		} else {
			span.SetStatus(tracing.SpanStatusOK)
		}
		span.End()
	}
}

// checkShared invalidates each cache whose set another process sharing it
// replaced or withdrew, so that the operation does not sign with a set
// the host is done with (a rejection elsewhere) and gets the host's newest
// instead, without a run.
func (m *retryOnAuthFailure) checkShared() {
	for _, r := range m.refreshers {
		if r.check != nil && r.check() {
			r.creds.Invalidate()
		}
	}
}

// accepted ends the rejection backoff of the cache whose newest set signed
// the successful attempt that md describes.
func (m *retryOnAuthFailure) accepted(md smithymiddleware.Metadata) {
	s, ok := getSigner(md)
	if !ok {
		return
	}
	if owner := m.owner(s); owner != nil && owner.guard.On() && served.Newest(owner.creds, s) {
		owner.guard.Accepted()
		served.Accepted(owner.creds)
	}
}

// owner returns the refresher of the cache that served the rejected set,
// or nil if none did. A cache this module did not make keeps no record of
// what it served; it is taken to own any set no recorded cache served, as
// the only cache the client could have been given.
func (m *retryOnAuthFailure) owner(rejected signer) *refresher {
	var unrecorded *refresher
	for _, r := range m.refreshers {
		switch ok, known := served.Served(r.creds, rejected); {
		case ok:
			return r
		case !known && unrecorded == nil:
			unrecorded = r
		}
	}
	return unrecorded
}

// logf logs a decision on an error with code, prefixed with the service
// and operation, to Options.Logger at every level. Without one, warnings go
// to the client's own logger (aws.Config.Logger, carried by the request
// context) and debug lines nowhere.
func (m *retryOnAuthFailure) logf(ctx context.Context, c logging.Classification, code, format string, v ...any) {
	format = "credprocess: %s/%s: %s: " + format
	v = append([]any{awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), code}, v...)
	if m.logger != nil {
		logging.WithContext(ctx, m.logger).Logf(c, format, v...)
		return
	}
	if c != logging.Debug {
		smithymiddleware.GetLogger(ctx).Logf(c, format, v...)
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
