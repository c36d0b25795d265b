package provider

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/tracing"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/redact"
	"github.com/seed-dcc28122/credprocess/internal/telemetry"
	"github.com/seed-dcc28122/credprocess/internal/terminal"
)

// flight is one run of the command; done is closed when creds or err is
// set. At most one is under way per provider.
type flight struct {
	done       chan struct{}
	background bool // no request waits for it
	// replacing is the held set the run is to replace, nil when none is
	// held; rejected says a service rejected it (or the cache was
	// invalidated).
	replacing *held
	rejected  bool

	// span traces the run; waiters are the spans of the requests that
	// waited for it (guarded by the provider's mu).
	span    tracing.Span
	waiters []tracing.Span

	creds aws.Credentials
	err   error
}

// start records a new run and starts it, detached from ctx's cancellation
// and deadline (its values, such as the client's logger, are kept): a run
// serves every request that waits for it, and one request giving up must
// not end it for the others. Options.Timeout bounds it. The caller holds
// p.mu.
func (p *provider) start(ctx context.Context, background bool) *flight {
	f := &flight{done: make(chan struct{}), background: background, replacing: p.st.set, rejected: p.st.set != nil && p.st.withdrawn}
	f.span = p.startSpan(ctx, background)
	p.flight = f
	p.background.Add(1)
	go p.fly(context.WithoutCancel(ctx), f)
	return f
}

// startSpan starts the span of a run: with Options.TracerProvider, else,
// for a run a request waits for, with the tracer of the operation in ctx.
// The span is the child of no request's span (a run serves every request
// that waits for it): each waiter is linked to it instead (joined). Nil
// when nothing traces the run.
func (p *provider) startSpan(ctx context.Context, background bool) tracing.Span {
	tracer := p.cfg.tracer
	if tracer == nil {
		if background {
			return nil
		}
		var ok bool
		if tracer, ok = tracing.GetOperationTracer(ctx); !ok {
			return nil
		}
	}
	_, span := tracer.StartSpan(context.Background(), telemetry.RunSpan)
	span.SetProperty(telemetry.Program, p.cfg.cmd.Program())
	return span
}

// joined links the span of the request in ctx, if any, to run f. The
// caller holds p.mu.
func (f *flight) joined(ctx context.Context) {
	if f.span == nil {
		return
	}
	if s, ok := tracing.GetSpan(ctx); ok {
		f.waiters = append(f.waiters, s)
		s.AddEvent(telemetry.RunEvent, func(o *tracing.EventOptions) {
			o.Properties.Set(telemetry.Run, telemetry.SpanRef(f.span))
		})
	}
}

// endSpan ends f's span with the outcome of the run. The caller holds
// p.mu, which guards f.waiters.
func (f *flight) endSpan(outcome string, exitCode int) {
	if f.span == nil {
		return
	}
	var linked []string
	for _, w := range f.waiters {
		if ref := telemetry.SpanRef(w); ref != "" {
			linked = append(linked, ref)
		}
	}
	f.span.SetProperty(telemetry.Linked, linked)
	f.span.SetProperty(telemetry.SpanOutcome, outcome)
	if exitCode >= 0 {
		f.span.SetProperty(telemetry.ExitCode, exitCode)
	}
	status := tracing.SpanStatusOK
	if outcome != telemetry.OK && outcome != telemetry.SharedHit {
		status = tracing.SpanStatusError
	}
	f.span.SetStatus(status)
	f.span.End()
}

// outcome classifies what a fetch came to, for metrics and traces, with
// the command's exit code (-1 when it did not exit on its own or did not
// run).
func outcome(got obtained, err error) (string, int) {
	var pe *ProcessError
	var oe *OutputError
	var shared *sharedCause
	switch {
	case err == nil && got.host != nil && !got.ran:
		return telemetry.SharedHit, -1
	case err == nil:
		return telemetry.OK, 0
	case errors.As(err, &shared):
		return telemetry.Backoff, -1
	case errors.As(err, &oe):
		return telemetry.Output, 0
	case errors.As(err, &pe) && pe.Timeout():
		return telemetry.Timeout, -1
	case errors.Is(err, terminal.ErrInterrupted):
		return telemetry.Interrupted, -1
	case errors.As(err, &pe):
		return telemetry.Exit, pe.ExitCode
	}
	return telemetry.Exit, -1
}

// fly runs the command for f and records the outcome in the state.
func (p *provider) fly(ctx context.Context, f *flight) {
	defer p.background.Done()
	if f.background {
		p.logf(ctx, logging.Debug, "refreshing in the background")
	}
	got, err := p.obtain(ctx, f)
	creds, dur := got.creds, got.dur
	now := p.clock()
	out, exitCode := outcome(got, err)
	p.cfg.meter.Run(ctx, out, dur)

	p.mu.Lock()
	f.endSpan(out, exitCode)
	p.flight = nil
	var fellBack, unchanged bool
	if err == nil {
		unchanged = p.st.fetched(creds, now, got.host)
		if creds.CanExpire {
			p.scheduleIdle(p.st.set.refreshAt)
		}
	} else {
		prompts := p.deferredToPrompt(f)
		fellBack = p.st.failed(now, err, prompts)
		switch {
		case prompts:
		case fellBack:
			p.scheduleIdle(p.st.retryAt)
		case f.background:
			p.scheduleIdle(now.Add(p.cfg.options.MinRefreshInterval))
		}
	}
	set := p.st.set
	var next time.Time
	if fellBack {
		next = p.st.next()
	}
	p.mu.Unlock()
	// Logged before the waiters are released, so that a caller's Retrieve
	// returns after the lines about its run.
	defer close(f.done)
	f.creds, f.err = creds, err

	switch {
	case fellBack:
		p.cfg.meter.Stale(ctx, set.creds.Expires.Sub(now))
		p.logf(ctx, logging.Warn, "refresh failed, serving credentials %s that expire at %s; next attempt at %s: %v",
			redact.AccessKeyID(set.creds.AccessKeyID), stamp(set.creds.Expires), stamp(next), err)
	case err != nil:
	case !creds.CanExpire:
		p.logf(ctx, logging.Debug, "credentials %s do not expire (ran %v)", redact.AccessKeyID(creds.AccessKeyID), dur.Round(time.Millisecond))
	default:
		note := ""
		if unchanged {
			note = ", no newer than those held"
		}
		p.logf(ctx, logging.Debug, "credentials %s expire at %s%s; next refresh at %s (ran %v)",
			redact.AccessKeyID(creds.AccessKeyID), stamp(creds.Expires), note, stamp(set.refreshAt), dur.Round(time.Millisecond))
	}
}

// deferredToPrompt reports whether the next attempt after f failed waits
// for the run requests wait for in the last seconds before expiry: f ran
// in the background, which gets no Stdin (see fetch), and Options.Stdin
// is set, so the command may have failed for want of the input it could
// not read, which that run gets.
func (p *provider) deferredToPrompt(f *flight) bool {
	return f.background && p.cfg.options.Stdin != nil
}

// obtain gets a set for f: from the host's shared entry when
// Options.SharedDir is set and usable, else from a run of its own.
func (p *provider) obtain(ctx context.Context, f *flight) (obtained, error) {
	if p.cfg.shared != nil {
		if got, err, ok := p.fetchShared(ctx, f); ok {
			return got, err
		}
	}
	creds, dur, err := p.fetch(ctx, f.background, p.cfg.options.Timeout)
	return obtained{creds: creds, dur: dur, ran: true}, err
}

// fetch runs the command, within timeout, and parses its output. Its
// error is a *ProcessError or *OutputError inside a [runError].
//
// A background run, which no request waits for, gets the null device as
// stdin whatever Options.Stdin is: nobody is there to answer a prompt, and
// a command holding the terminal while the program itself reads it would
// stop the program (SIGTTIN) and take the line typed for it.
func (p *provider) fetch(ctx context.Context, background bool, timeout time.Duration) (aws.Credentials, time.Duration, error) {
	cmd := p.cfg.cmd
	cmd.Timeout = timeout
	switch {
	case background:
		cmd.Stdin = nil
	case p.cfg.stdin != nil:
		in, detach, err := p.cfg.stdin.Attach()
		if err != nil {
			return aws.Credentials{}, 0, &runError{&ProcessError{Program: cmd.Program(), ExitCode: -1, Err: err}}
		}
		defer detach()
		if in != nil {
			cmd.Stdin = in
		}
	}
	res, err := p.run(ctx, cmd)
	if err != nil {
		var re *execjson.RunError
		if errors.As(err, &re) {
			err = processError(re)
		}
		return aws.Credentials{}, 0, &runError{err}
	}
	out, err := execjson.Parse(res.Stdout, p.clock())
	if err != nil {
		var pe *execjson.ParseError
		if errors.As(err, &pe) {
			err = outputError(cmd.Program(), res.Stderr, pe)
		}
		return aws.Credentials{}, 0, &runError{err}
	}
	return aws.Credentials{
		AccessKeyID:     out.AccessKeyID,
		SecretAccessKey: out.SecretAccessKey,
		SessionToken:    out.SessionToken,
		AccountID:       out.AccountID,
		Source:          ProviderName,
		CanExpire:       out.CanExpire,
		Expires:         out.Expires,
	}, res.Duration, nil
}

// runError is a failed run as Retrieve returns it: the *ProcessError or
// *OutputError, which errors.As finds, marked as not retryable. The SDK's
// retryers retry an error that reports a timeout; retrying a command that
// timed out would run it again for every attempt of an operation, and a
// command that failed moments ago fails the same way until the backoff
// ends.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }

func (e *runError) Unwrap() error { return e.err }

// RetryableError reports false, which the SDK's retryers check before they
// look at Timeout.
func (e *runError) RetryableError() bool { return false }
