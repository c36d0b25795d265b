package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/redact"
	"github.com/seed-dcc28122/credprocess/internal/shared"
)

// DefaultSharedDir returns a directory for Options.SharedDir that every
// process of this user on the host can share: credprocess under
// os.UserCacheDir() ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches
// on macOS, %LocalAppData% on Windows). It fails where the system names no
// such directory, as for a service whose HOME is unset.
func DefaultSharedDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("provider: no directory to share credentials in: %w", err)
	}
	return filepath.Join(dir, "credprocess"), nil
}

// sharing is a provider's part in the host's shared cache
// (Options.SharedDir).
type sharing struct {
	dir     string
	id      shared.Identity
	program string

	mu     sync.Mutex // guards the fields below
	slot   *shared.Slot
	warned map[string]bool // problems already logged
	stamp  shared.Stamp    // the entry file the last check saw
}

// newSharing returns the sharing of a command, or nil without a SharedDir.
func newSharing(cmd execjson.Command, o Options) *sharing {
	if o.SharedDir == "" {
		return nil
	}
	return &sharing{
		dir:     o.SharedDir,
		id:      shared.NewIdentity(cmd.Shell, cmd.Args, o.Dir, o.Env),
		program: cmd.Program(),
		warned:  map[string]bool{},
	}
}

// open returns the slot of the provider's entry, opening the store the
// first time it is safe to.
func (s *sharing) open() (*shared.Slot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slot != nil {
		return s.slot, nil
	}
	st, err := shared.Open(s.dir)
	if err != nil {
		return nil, err
	}
	s.slot = st.Slot(s.id, s.program, ProviderName)
	return s.slot, nil
}

// warnOnce logs a problem with the shared cache the first time it is
// seen, as a warning: the command then runs unshared, and the caller still
// gets credentials.
func (p *provider) warnOnce(ctx context.Context, err error) {
	s := p.cfg.shared
	var key string
	var ue *shared.UnsafeError
	switch {
	case errors.As(err, &ue):
		key = ue.Path + ue.Problem
	case errors.Is(err, context.DeadlineExceeded):
		key = "timeout"
	default:
		key = err.Error()
	}
	s.mu.Lock()
	seen := s.warned[key]
	s.warned[key] = true
	s.mu.Unlock()
	if !seen {
		p.logf(ctx, logging.Warn, "not sharing credentials across processes, running the command in this one: %v", err)
	}
}

// hostSet is a set as the host's entry holds it: its generation, and the
// moments fixed by the process that ran the command.
type hostSet struct {
	gen       uint64
	fetchedAt time.Time
	refreshAt time.Time
	// held: the host's rejection backoff handed the set out as it is,
	// though it may have been withdrawn.
	held bool
}

// fetchShared obtains a set from the host's entry, which runs the command
// once for the host. ok is false when the entry cannot be used: the caller
// runs the command itself.
func (p *provider) fetchShared(ctx context.Context, f *flight) (got obtained, err error, ok bool) {
	s := p.cfg.shared
	slot, err := s.open()
	if err != nil {
		p.warnOnce(ctx, err)
		return obtained{}, nil, false
	}
	var runErr error // the run's own typed error, when this process ran it
	res, err := slot.Obtain(ctx, shared.Request{
		Now:     p.clock,
		Timeout: p.cfg.options.Timeout,
		Usable: func(e *shared.Entry, now time.Time) bool {
			if f.replacing != nil && e.Generation == f.replacing.gen {
				return false // the very set this run is to replace
			}
			return !e.Creds.CanExpire || now.Before(blockFrom(e.Creds, e.FetchedAt))
		},
		Run: func(ctx context.Context, timeout time.Duration) shared.Outcome {
			creds, dur, err := p.fetch(ctx, f.background, timeout)
			now := p.clock()
			p.mu.Lock()
			defer p.mu.Unlock()
			if err != nil {
				runErr = err
				return shared.Outcome{Failure: failureOf(err, now, p.st.failureUntil(now, p.deferredToPrompt(f)))}
			}
			got.dur, got.ran = dur, true
			return shared.Outcome{Creds: creds, RefreshAt: p.st.refreshAt(creds, now)}
		},
		Rejected: f.rejected,
	})
	if err != nil {
		p.warnOnce(ctx, err)
		return obtained{}, nil, false
	}
	if res.WriteErr != nil {
		p.warnOnce(ctx, res.WriteErr)
	}
	if res.Waited > 0 {
		p.cfg.meter.LockWaited(ctx, res.Waited)
	}
	e := res.Entry
	switch {
	case res.Ran && runErr != nil:
		return obtained{}, runErr, true
	case !res.Ran && !res.Held && e.Failure != nil && !e.HasSet(p.clock()):
		// Another process's run failed moments ago: its failure is this
		// one's, without a run.
		p.logf(ctx, logging.Debug, "the shared cache holds a failure from %s, until %s", stamp(e.Failure.At), stamp(e.Failure.Until))
		return obtained{}, errorOf(e.Failure, s.program), true
	case !res.Ran && !res.Held && e.Failure != nil && f.replacing != nil && e.Generation == f.replacing.gen:
		return obtained{}, errorOf(e.Failure, s.program), true
	}
	got.creds = e.Creds
	got.creds.Source = ProviderName
	got.host = &hostSet{gen: e.Generation, fetchedAt: e.FetchedAt, refreshAt: e.RefreshAt, held: res.Held}
	if !res.Ran {
		p.logf(ctx, logging.Debug, "credentials %s from the shared cache, fetched at %s (waited %v)",
			redact.AccessKeyID(e.Creds.AccessKeyID), stamp(e.FetchedAt), res.Waited.Round(time.Millisecond))
	}
	return got, nil, true
}

// failureOf records a run's failure for the host.
func failureOf(err error, now, until time.Time) *shared.Failure {
	f := &shared.Failure{At: now, Until: until, ExitCode: -1}
	var pe *ProcessError
	var oe *OutputError
	switch {
	case errors.As(err, &pe):
		f.ExitCode, f.Stderr, f.TimedOut = pe.ExitCode, pe.Stderr, pe.Timeout()
		if pe.Err != nil {
			f.Cause = pe.Err.Error()
		}
	case errors.As(err, &oe):
		f.Output, f.ExitCode, f.Field, f.Kind, f.Reason, f.Stderr = true, 0, oe.Field, uint8(oe.Kind), oe.Reason, oe.Stderr
	default:
		f.Cause = err.Error()
	}
	return f
}

// errorOf is the error of a run another process recorded, as this one
// would have returned it.
func errorOf(f *shared.Failure, program string) error {
	if f.Output {
		oe := &OutputError{Program: program, Field: f.Field, Kind: OutputKind(f.Kind), Reason: f.Reason, Stderr: f.Stderr}
		if oe.Kind == AlreadyExpired {
			oe.Err = ErrExpired
		}
		return &runError{oe}
	}
	return &runError{&ProcessError{Program: program, ExitCode: f.ExitCode, Stderr: f.Stderr, Err: &sharedCause{f}}}
}

// sharedCause is the cause of a failure another process's run met.
type sharedCause struct{ f *shared.Failure }

func (c *sharedCause) Error() string { return c.f.Cause + c.where() }

// where says whose run failed, and when.
func (c *sharedCause) where() string { return " (a run in another process at " + stamp(c.f.At) + ")" }

// Is makes a shared timeout read as one: errors.Is with
// context.DeadlineExceeded, and ProcessError.Timeout.
func (c *sharedCause) Is(target error) bool {
	return c.f.TimedOut && (target == context.DeadlineExceeded || target == execjson.ErrTimedOut)
}

// check is the middleware's look at the host's entry before an operation:
// it reports whether the set the cache serves is no longer the host's (a
// rejection in another process withdrew it, or another process replaced
// it), so that the cache is invalidated and the next Retrieve takes the
// host's set. It costs a stat of the entry; the entry is read only when
// the file changed.
func (p *provider) check() bool {
	s := p.cfg.shared
	s.mu.Lock()
	slot := s.slot
	s.mu.Unlock()
	if slot == nil {
		return false
	}
	st := slot.Stamp()
	s.mu.Lock()
	changed := st != s.stamp
	s.stamp = st
	s.mu.Unlock()
	if !changed {
		return false
	}
	e, err := slot.Read()
	if err != nil || e == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	held := p.st.set
	if held == nil || held.gen == 0 || p.st.withdrawn {
		return false
	}
	return e.Generation > held.gen || e.Generation == held.gen && e.Withdrawn && !held.hostHeld
}

// accepted tells the host that a service accepted the held set.
func (p *provider) accepted() {
	p.mu.Lock()
	held := p.st.set
	p.mu.Unlock()
	if held == nil || held.gen == 0 {
		return
	}
	if slot, err := p.cfg.shared.open(); err == nil {
		slot.Accepted(held.gen)
	}
}

// withdrawHost marks the host's entry withdrawn when it holds set s of
// generation gen.
func (p *provider) withdrawHost(gen uint64) {
	if gen == 0 {
		return
	}
	if slot, err := p.cfg.shared.open(); err == nil {
		slot.Withdraw(gen)
	}
}

// obtained is what a fetch came to.
type obtained struct {
	creds aws.Credentials
	dur   time.Duration // how long this process's run took
	ran   bool          // this process ran the command
	// host is the set's place in the host's entry; nil when the set came
	// from this process's own run without sharing.
	host *hostSet
}
