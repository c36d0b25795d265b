package provider

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// flight is one run of the command; done is closed when creds or err is
// set. At most one is in flight per Provider.
type flight struct {
	done  chan struct{}
	creds aws.Credentials
	err   error
}

// startFlight records a new run in flight. The caller holds p.mu and then
// calls p.fly, or p.refreshBehind in a goroutine.
func (p *Provider) startFlight() *flight {
	f := &flight{done: make(chan struct{})}
	p.flight = f
	p.background.Add(1)
	return f
}

// refreshBehind runs the command in the background. A failure leaves the
// held set in service and schedules the next attempt.
func (p *Provider) refreshBehind(ctx context.Context, f *flight) {
	p.logf(ctx, logging.Debug, "refreshing in the background")
	p.fly(ctx, f, true)
}

// fly runs the command for f and moves the state by its outcome.
func (p *Provider) fly(ctx context.Context, f *flight, background bool) {
	defer p.background.Done()
	creds, dur, err := p.fetch(ctx, background)
	now := p.clock()

	p.mu.Lock()
	p.flight = nil
	var refreshAt time.Time
	var unchanged, fellBack bool
	switch {
	case err == nil:
		refreshAt, unchanged = p.refreshAt(creds, now)
		p.st.fetched(creds, refreshAt, blockFrom(creds, now))
		if creds.CanExpire {
			p.scheduleIdle(refreshAt)
		}
	case ctx.Err() != nil:
		// The caller gave up (only a direct caller can): not a failure of
		// the command to remember.
	default:
		retry := p.retryDelay
		prompts := background && p.cfg.options.Stdin != nil
		if prompts {
			// The command may have failed for want of the input it had
			// no way to read: leave the next attempt to the run a caller
			// waits for, in the last seconds before expiry, which gets
			// Options.Stdin.
			retry = func(time.Duration) time.Duration { return p.st.blockFrom.Sub(now) }
		}
		fellBack = p.st.failed(now, err, retry)
		switch {
		case prompts:
		case fellBack:
			p.scheduleIdle(p.st.next)
		case background:
			p.scheduleIdle(now.Add(p.cfg.options.MinRefreshInterval))
		}
	}
	held, next := p.st.creds, p.st.next
	p.mu.Unlock()
	f.creds, f.err = creds, err
	close(f.done)

	switch {
	case fellBack:
		p.logf(ctx, logging.Warn, "refresh failed, serving credentials %s that expire at %s; next attempt at %s: %v",
			mask(held.AccessKeyID), stamp(held.Expires), stamp(next), err)
	case err != nil:
	case !creds.CanExpire:
		p.logf(ctx, logging.Debug, "credentials %s do not expire (ran %v)", mask(creds.AccessKeyID), dur.Round(time.Millisecond))
	default:
		note := ""
		if unchanged {
			note = ", no newer than those held"
		}
		p.logf(ctx, logging.Debug, "credentials %s expire at %s%s; next refresh at %s (ran %v)",
			mask(creds.AccessKeyID), stamp(creds.Expires), note, stamp(refreshAt), dur.Round(time.Millisecond))
	}
}

// fetch runs the command and parses its output. Its error is a
// *ProcessError or *OutputError inside a [runError].
//
// A background run, which no caller waits for, gets the null device as
// stdin whatever Options.Stdin is: nobody is there to answer a prompt, and
// a command holding the terminal while the program itself reads it would
// stop the program (SIGTTIN) and take the line typed for it.
func (p *Provider) fetch(ctx context.Context, background bool) (aws.Credentials, time.Duration, error) {
	cmd := p.cfg.cmd
	switch {
	case background:
		cmd.Stdin = nil
	case p.cfg.stdin != nil:
		in, detach, err := p.cfg.stdin.Attach()
		if err != nil {
			return aws.Credentials{}, 0, &runError{&execjson.ProcessError{Program: cmd.Program(), ExitCode: -1, Err: err}}
		}
		defer detach()
		if in != nil {
			cmd.Stdin = in
		}
	}
	res, err := p.run(ctx, cmd)
	if err != nil {
		return aws.Credentials{}, 0, &runError{err}
	}
	out, err := execjson.Parse(res.Stdout, p.clock())
	if err != nil {
		oe := err.(*execjson.OutputError)
		oe.Program, oe.Stderr = p.cfg.cmd.Program(), res.Stderr
		return aws.Credentials{}, 0, &runError{oe}
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
