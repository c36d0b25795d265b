package credprocess_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

const (
	// hangTimeout is Options.Timeout for commands that would run a minute.
	hangTimeout = 500 * time.Millisecond
	// floodAllocBound bounds what a run that floods tens of MiB of stderr or
	// endless stdout may allocate in the test process.
	floodAllocBound = 16 << 20
)

// farFuture is the Expiration of the fault documents that expire.
var farFuture = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)

// outcome is what one fault row must produce: credentials, or an error of
// an exact type naming what went wrong.
type outcome struct {
	creds *aws.Credentials // the credentials returned; nil when an error is due

	process bool   // a *provider.ProcessError ...
	exit    int    // ... with this ExitCode
	signal  bool   // ... caused by a signal (an *exec.ExitError that is not an exit)
	output  bool   // a *provider.OutputError ...
	field   string // ... naming this Field
	reason  string // ... with a Reason containing this
	is      error  // errors.Is(err, is) must hold, when not nil
	stderr  []string
}

// credsOf is what a fault document with key akid comes to.
func credsOf(akid string) *aws.Credentials {
	return &aws.Credentials{
		AccessKeyID: akid, SecretAccessKey: faultSecret, SessionToken: faultToken,
		Source: provider.ProviderName, CanExpire: true, Expires: farFuture,
	}
}

// gotCreds is a row that must produce c.
func gotCreds(c *aws.Credentials) outcome { return outcome{creds: c} }

// processFailure is a row that must fail with a *provider.ProcessError
// with ExitCode exit, matching is when set, whose Stderr holds each of
// stderr.
func processFailure(exit int, is error, stderr ...string) outcome {
	return outcome{process: true, exit: exit, is: is, stderr: stderr}
}

// killedBySignal is a row whose command a signal ends.
func killedBySignal() outcome { return outcome{process: true, exit: -1, signal: true} }

// outputFailure is a row that must fail with a *provider.OutputError naming
// field, with a Reason containing reason, matching is when set.
func outputFailure(field, reason string, is error) outcome {
	return outcome{output: true, field: field, reason: reason, is: is}
}

// fault is one row of the fault matrix: a real command and what it must
// come to.
type fault struct {
	name string
	// command is a line for the system shell (sh -c, cmd.exe), run from the
	// package directory: most rows run a behaviour of the test binary
	// (helperLine), which appends its pid, and those of the children it
	// starts, to $CREDPROCESS_HELPER_PIDS. On Unix the harness also puts
	// `echo $$ >"$PIDFILE";` before it, so that the process group can be
	// checked afterwards.
	command string
	// posix marks rows whose point is POSIX behaviour (a signal, sh's exec,
	// a file without the execute bit, sh's assignments): they run on Unix
	// only.
	posix bool
	// args, if set, is run without a shell instead of command; a program
	// that never starts leaves no group to check.
	args []string
	// timeout is Options.Timeout; zero means faultTimeout.
	timeout time.Duration
	// expires, if not zero, is passed to testdata/faults/expiring.sh as
	// EXPIRATION = now + expires, and replaces want.creds.Expires.
	expires time.Duration
	// expiredAfter, if not zero, also accepts ErrExpired from a run that
	// took at least this long: the credentials had expired by then.
	expiredAfter time.Duration
	// flood marks rows that write tens of MiB: they run alone, what the
	// run allocates is bounded by floodAllocBound, and -short skips them.
	flood bool
	// slow marks rows that wait out a timeout, WaitDelay or a producer
	// slow by design: -short skips them.
	slow bool
	want outcome
	// onWindows, if set, replaces want on Windows, where cmd.exe has
	// words and exit codes of its own.
	onWindows *outcome
	// wine, if set, says why the row's secrets reach stderr under Wine,
	// whose cmd.exe words some messages unlike Windows': TestSecrecyFaults
	// does not check the row there.
	wine string
}

// wanted is the outcome f must come to on this system.
func (f fault) wanted() outcome {
	if f.onWindows != nil && runtime.GOOS == "windows" {
		return *f.onWindows
	}
	return f.want
}

// runTimeout is the Options.Timeout f runs with.
func (f fault) runTimeout() time.Duration {
	if f.timeout > 0 {
		return f.timeout
	}
	return faultTimeout
}

// faultRun is what one run of a fault row produced.
type faultRun struct {
	creds   aws.Credentials
	err     error
	elapsed time.Duration
	expires time.Time // the EXPIRATION given, if any
	allocs  uint64    // bytes allocated during the run, for flood rows
}

// runFault runs f once through a fresh cache from provider.New (or NewArgs),
// with logger receiving the provider's log lines, and checks that the run
// took no longer than its timeout plus grace and left no process behind.
func runFault(t *testing.T, f fault, logger logging.Logger) faultRun {
	t.Helper()
	if f.posix && runtime.GOOS == "windows" {
		t.Skip("POSIX behaviour: a signal, sh's exec or assignments, or the execute bit")
	}
	dir := proctest.TempDir(t, "fault")
	pidfile, helperPIDs := filepath.Join(dir, "pid"), filepath.Join(dir, "pids")
	var run faultRun
	env := append(os.Environ(), "PIDFILE="+pidfile, pidsEnv+"="+helperPIDs)
	if f.expires != 0 {
		run.expires = time.Now().Add(f.expires)
		env = append(env, "EXPIRATION="+run.expires.UTC().Format(time.RFC3339Nano))
	}
	opts := func(o *provider.Options) {
		o.Timeout = f.runTimeout()
		o.Env = env
		o.Logger = logger
	}
	line := f.command
	if runtime.GOOS != "windows" {
		line = `echo $$ >"$PIDFILE"; ` + line
	}
	creds := provider.New(line, opts)
	if f.args != nil {
		creds = provider.NewArgs(f.args, opts)
	}

	var before, after runtime.MemStats
	if f.flood {
		runtime.GC()
		runtime.ReadMemStats(&before)
	}
	start := time.Now()
	run.creds, run.err = creds.Retrieve(context.Background())
	run.elapsed = time.Since(start)
	if wineLostProgram(f, run.err) {
		// Wine's cmd.exe, started many times at once, now and then
		// reports an existing program as not found (9009). That says
		// nothing of the provider: the row runs once more in a fresh
		// cache.
		t.Logf("Wine's cmd.exe did not find the program (%v); once more", run.err)
		creds = provider.New(line, opts)
		start = time.Now()
		run.creds, run.err = creds.Retrieve(context.Background())
		run.elapsed = time.Since(start)
	}
	if f.flood {
		runtime.ReadMemStats(&after)
		run.allocs = after.TotalAlloc - before.TotalAlloc
	}

	if limit := f.runTimeout() + grace; run.elapsed > limit {
		t.Errorf("Retrieve() took %v; want under the timeout plus grace, %v", run.elapsed, limit)
	}
	switch pgid := proctest.ReadPID(t, pidfile); {
	case pgid != 0:
		proctest.GroupGone(t, pgid)
	case f.args == nil && runtime.GOOS != "windows":
		t.Errorf("the shell never recorded its pid")
	}
	for _, pid := range proctest.ReadPIDs(t, helperPIDs) {
		proctest.ProcessGone(t, pid)
	}
	return run
}

// TestFaultMatrix runs each fault as a real command through the cache a
// program gets from provider.New and checks the outcome, the time taken, and
// that no process is left behind. TestMain checks that no goroutine is.
func TestFaultMatrix(t *testing.T) {
	for _, f := range faultRows(t) {
		t.Run(f.name, func(t *testing.T) {
			if (f.slow || f.flood) && testing.Short() {
				t.Skip("waits out a timeout or WaitDelay, or writes tens of MiB")
			}
			if !f.flood {
				// Flood rows run first and alone, so that what they allocate
				// is theirs.
				t.Parallel()
			}
			run := runFault(t, f, nil)
			checkOutcome(t, f, run)
			if f.flood && run.allocs > floodAllocBound {
				t.Errorf("the run allocated %d MiB; want at most %d MiB whatever the command writes",
					run.allocs>>20, floodAllocBound>>20)
			}
		})
	}
}

// TestSecrecyFaults runs every row of the fault matrix with a Debug logger
// and checks that neither the error nor a log line gives away a secret, the
// command's arguments or its stdout.
func TestSecrecyFaults(t *testing.T) {
	for _, f := range faultRows(t) {
		t.Run(f.name, func(t *testing.T) {
			if (f.slow || f.flood) && testing.Short() {
				t.Skip("waits out a timeout or WaitDelay, or writes tens of MiB")
			}
			t.Parallel()
			log := &logRecorder{}
			run := runFault(t, f, log)
			if f.wine != "" && proctest.UnderWine() {
				t.Skip(f.wine)
			}
			if run.err == nil && f.wanted().creds != nil && len(log.all()) == 0 {
				t.Errorf("no Debug line for a successful run")
			}
			assertSecretFree(t, f.name, run.err, log.all())
		})
	}
}

// checkOutcome fails t unless run is the outcome f wants.
func checkOutcome(t *testing.T, f fault, run faultRun) {
	t.Helper()
	want, err := f.wanted(), run.err
	if f.expiredAfter != 0 && run.elapsed >= f.expiredAfter && errors.Is(err, provider.ErrExpired) {
		return // the run outlived the credentials: that is the right answer too
	}
	if want.creds != nil {
		if err != nil {
			t.Fatalf("Retrieve() error = %v; want credentials", err)
		}
		w := *want.creds
		if f.expires != 0 {
			w.Expires = run.expires
		}
		if diff := cmp.Diff(w, run.creds, cmp.Comparer(time.Time.Equal)); diff != "" {
			t.Errorf("Retrieve() mismatch (-want +got):\n%s", diff)
		}
		return
	}
	if err == nil {
		t.Fatalf("Retrieve() = %s, nil error; want an error", run.creds.AccessKeyID)
	}
	if want.is != nil && !errors.Is(err, want.is) {
		t.Errorf("errors.Is(%v, %v) = false", err, want.is)
	}
	if timeout := errors.Is(err, context.DeadlineExceeded); timeout != (want.is == context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = %v", err, timeout)
	}
	if want.process {
		var pe *provider.ProcessError
		if !errors.As(err, &pe) {
			t.Fatalf("Retrieve() error = %v (%T); want a *provider.ProcessError", err, err)
		}
		if pe.ExitCode != want.exit {
			t.Errorf("ExitCode = %d; want %d (%v)", pe.ExitCode, want.exit, err)
		}
		if pe.Timeout() != (want.is == context.DeadlineExceeded) {
			t.Errorf("Timeout() = %v for %v", pe.Timeout(), err)
		}
		var exitErr *exec.ExitError
		if signaled := errors.As(err, &exitErr) && !exitErr.Exited(); signaled != want.signal {
			t.Errorf("killed by a signal = %v; want %v (%v)", signaled, want.signal, err)
		}
		if n := len(pe.Stderr); n > 2*execjson.StderrExcerpt+100 {
			t.Errorf("len(Stderr) = %d; want at most %d", n, 2*execjson.StderrExcerpt+100)
		}
		for _, s := range want.stderr {
			if !strings.Contains(pe.Stderr, s) || !strings.Contains(err.Error(), s) {
				t.Errorf("Stderr = %q; want it, and Error(), to contain %q", pe.Stderr, s)
			}
		}
		if pe.Program == "" {
			t.Errorf("Program is empty")
		}
	}
	if want.output {
		var oe *provider.OutputError
		if !errors.As(err, &oe) {
			t.Fatalf("Retrieve() error = %v (%T); want a *provider.OutputError", err, err)
		}
		if oe.Field != want.field || !strings.Contains(oe.Reason, want.reason) {
			t.Errorf("Field, Reason = %q, %q; want %q, containing %q", oe.Field, oe.Reason, want.field, want.reason)
		}
	}
}

// wineLostProgram reports whether err is cmd.exe's "not recognized" (exit
// 9009) under Wine for a row that does not want it: a row's program is the
// test binary, which exists.
func wineLostProgram(f fault, err error) bool {
	var pe *provider.ProcessError
	return proctest.UnderWine() && f.wanted().exit != 9009 && errors.As(err, &pe) && pe.ExitCode == 9009
}
