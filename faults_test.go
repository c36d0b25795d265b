package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// The values planted in every document under testdata/faults: the secret
// key, the session token, and a canary that only stdout carries. None may
// show in an error or a log line.
const (
	faultSecret  = "fAuLtSeCrEtKeY/9876543210zyxwvutsrqponmlk"
	faultToken   = "fAuLtSeSsIoNtOkEn+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=="
	stdoutCanary = "sToUtCaNaRy-7f3e"
)

const (
	// faultTimeout is Options.Timeout for rows that are not about the
	// timeout: long enough never to fire on a loaded machine.
	faultTimeout = 10 * time.Second
	// hangTimeout is Options.Timeout for commands that would run a minute.
	hangTimeout = 500 * time.Millisecond
	// grace is what a run may take beyond its timeout: the kill, the
	// WaitDelay for pipes a grandchild holds, a loaded machine. It tells a
	// killed run from one that waited for its command, nothing finer.
	grace = 10 * time.Second
	// floodAllocBound bounds what a run that floods 64 MiB of stderr or
	// endless stdout may allocate in the test process.
	floodAllocBound = 16 << 20
)

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

func credsOf(akid string) *aws.Credentials {
	return &aws.Credentials{
		AccessKeyID: akid, SecretAccessKey: faultSecret, SessionToken: faultToken,
		Source: provider.ProviderName, CanExpire: true, Expires: farFuture,
	}
}

func gotCreds(c *aws.Credentials) outcome { return outcome{creds: c} }

func processFailure(exit int, is error, stderr ...string) outcome {
	return outcome{process: true, exit: exit, is: is, stderr: stderr}
}

func killedBySignal() outcome { return outcome{process: true, exit: -1, signal: true} }

func outputFailure(field, reason string, is error) outcome {
	return outcome{output: true, field: field, reason: reason, is: is}
}

// fault is one row of the fault matrix: a real command and what it must
// come to.
type fault struct {
	name string
	// command is a shell line run from the package directory. The harness
	// puts `echo $$ >"$PIDFILE";` before it, so that the process group can
	// be checked afterwards.
	command string
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
	// flood marks rows that write tens of MiB: they run alone, and what the
	// run allocates is bounded by floodAllocBound.
	flood bool
	want  outcome
}

func (f fault) runTimeout() time.Duration {
	if f.timeout > 0 {
		return f.timeout
	}
	return faultTimeout
}

const faults = "testdata/faults/"

func faultRows(t *testing.T) []fault {
	notExecutable, err := filepath.Abs(faults + "not-executable.sh")
	if err != nil {
		t.Fatal(err)
	}
	longToken := credsOf("AKIDFAULTLONGTOKEN")
	longToken.SessionToken = faultToken + strings.Repeat("Q", 4096-len(faultToken))
	unicode := &aws.Credentials{
		AccessKeyID: "AKIDFAULTUNICODE", SecretAccessKey: faultSecret + "é✓é😀", SessionToken: faultToken + "日本",
		AccountID: "123456789012", Source: provider.ProviderName,
	}
	expiring := credsOf("AKIDFAULTEXPIRING")

	return []fault{
		// Commands that do not end by themselves.
		{name: "hangs", command: "sleep 60", timeout: hangTimeout,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "hangs in an exec'd program", command: "exec sleep 60", timeout: hangTimeout,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "hangs with a background child holding stdout", command: "sleep 60 & wait", timeout: hangTimeout,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "drips output slowly past the timeout", command: "sh " + faults + "drip.sh", timeout: hangTimeout,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "drips a document slowly within the timeout", command: "sh " + faults + "drip-valid.sh",
			want: gotCreds(credsOf("AKIDFAULTOK"))},
		{name: "exits 0 leaving a child holding stdout", command: "sh " + faults + "background-child.sh",
			want: gotCreds(credsOf("AKIDFAULTOK"))},

		// Too much output.
		{name: "prints megabytes on stdout", command: "sh " + faults + "flood-stdout.sh", flood: true,
			want: processFailure(-1, provider.ErrOutputTooLarge)},
		{name: "floods stderr then prints credentials", command: "sh " + faults + "flood-stderr.sh 0", flood: true,
			want: gotCreds(credsOf("AKIDFAULTOK"))},
		{name: "floods stderr then fails", command: "sh " + faults + "flood-stderr.sh 4", flood: true,
			want: processFailure(4, nil, "FLOOD START", "FLOOD END", "bytes elided")},

		// Failed runs.
		{name: "crashes mid-JSON", command: "exec sh " + faults + "crash-mid-json.sh",
			want: killedBySignal()},
		{name: "killed by a signal", command: "kill -9 $$",
			want: killedBySignal()},
		{name: "exits non-zero with valid JSON on stdout", command: "cat " + faults + "ok.json; exit 3",
			want: processFailure(3, nil)},
		{name: "not found", command: "credprocess-no-such-command --secret " + faultSecret,
			want: processFailure(127, nil, "not found")},
		{name: "not found, without a shell", args: []string{"credprocess-no-such-command", "--secret", faultSecret},
			want: processFailure(-1, exec.ErrNotFound)},
		{name: "not executable", command: faults + "not-executable.sh",
			want: processFailure(126, nil, "denied")},
		{name: "not executable, without a shell", args: []string{notExecutable, "--secret", faultSecret},
			want: processFailure(-1, fs.ErrPermission)},

		// Output that breaks the specification.
		{name: "exits 0 with empty output", command: "true",
			want: outputFailure("", "empty output", nil)},
		{name: "exits 0 mid-JSON", command: "cat " + faults + "truncated.json",
			want: outputFailure("", "invalid JSON", nil)},
		{name: "login banner before the JSON", command: "echo 'Welcome, " + stdoutCanary + "'; cat " + faults + "ok.json",
			want: outputFailure("", "not a JSON object", nil)},
		{name: "JSON array", command: "cat " + faults + "array.json",
			want: outputFailure("", "not a JSON object", nil)},
		{name: "null", command: "cat " + faults + "null.json",
			want: outputFailure("", "not a JSON object", nil)},
		{name: `"1" for Version`, command: "cat " + faults + "version-string.json",
			want: outputFailure("Version", "must be the number 1", nil)},
		{name: "trailing garbage after the object", command: "cat " + faults + "trailing-garbage.json",
			want: outputFailure("", "invalid JSON at byte offset", nil)},
		{name: "Expiration in the past", command: "sh " + faults + "expiring.sh", expires: -time.Hour,
			want: outputFailure("Expiration", "expired at", provider.ErrExpired)},

		// Output that is odd but valid.
		{name: "duplicate keys: the last wins, names match case-insensitively", command: "cat " + faults + "duplicate-keys.json",
			want: gotCreds(&aws.Credentials{AccessKeyID: "AKIDFAULTDUPLICATE", SecretAccessKey: faultSecret,
				SessionToken: faultToken, Source: provider.ProviderName})},
		{name: "byte order mark and CRLF", command: "cat " + faults + "bom.json",
			want: gotCreds(credsOf("AKIDFAULTBOM"))},
		{name: "4 KiB session token", command: "cat " + faults + "session-token-4k.json",
			want: gotCreds(longToken)},
		{name: "unicode, raw and escaped, and no Expiration", command: "cat " + faults + "unicode.json",
			want: gotCreds(unicode)},
		{name: "Expiration one second ahead", command: "sh " + faults + "expiring.sh", expires: time.Second,
			expiredAfter: time.Second, want: gotCreds(expiring)},
		{name: "Expiration a year ahead", command: "sh " + faults + "expiring.sh", expires: 365 * 24 * time.Hour,
			want: gotCreds(expiring)},

		// Secrets echoed to stderr: across the excerpt's cuts, in escaped
		// forms, labelled as env lines, and in assignments before the
		// program.
		{name: "the reported producer: the document at 2040 of 4097 bytes of stderr", command: echoAt(2040, 4097, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "secret key echoed across the excerpt's first cut", command: echoAt(cutAt(execjson.StderrExcerpt, 0), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "session token echoed across the excerpt's first cut", command: echoAt(cutAt(execjson.StderrExcerpt, 1), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "secret key echoed across the excerpt's last cut", command: echoAt(cutAt(6144-execjson.StderrExcerpt, 0), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "session token echoed across the excerpt's last cut, past dropped bytes", command: echoAt(cutAt(64<<10-execjson.StderrExcerpt, 1), 64<<10, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: `slashes escaped on stdout (PHP's \/), echoed decoded`, command: echoAt(0, 0, "slashes", "plain"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: `= escaped on stdout (Gson's \u003d), echoed decoded`, command: echoAt(0, 0, "gson", "plain"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: "decoded on stdout, echoed with slashes escaped", command: echoAt(0, 0, "plain", "slashes"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: "env lines on stderr, nothing on stdout", command: echoAt(0, 0, "none", "env"),
			want: processFailure(1, nil, "export AWS_SECRET_ACCESS_KEY=[redacted]")},
		{name: "secrets in assignments before the program",
			command: "BROKER_TOKEN=" + faultToken + " CREDS_URL='https://broker?token=" + faultSecret + "' " + faults + "echo-at.sh - 0 0 plain plain",
			want:    processFailure(1, nil, "debug: [redacted] [redacted]")},
	}
}

// echoAt is the command line of testdata/faults/echo-at.sh failing with the
// secrets at offset at of total bytes of stderr.
func echoAt(at, total int, stdout, stderr string) string {
	return fmt.Sprintf("sh %secho-at.sh - %d %d %s %s", faults, at, total, stdout, stderr)
}

// cutAt is the offset at which echo-at.sh must start its stderr line for
// the secret key (which 0) or the session token (which 1) to run across
// offset cut, 20 bytes of it before the cut.
func cutAt(cut, which int) int {
	at := cut - len("debug: ") - 20
	if which == 1 {
		at -= len(faultSecret) + 1
	}
	return at
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
	pidfile := filepath.Join(t.TempDir(), "pid")
	var run faultRun
	env := append(os.Environ(), "PIDFILE="+pidfile)
	if f.expires != 0 {
		run.expires = time.Now().Add(f.expires)
		env = append(env, "EXPIRATION="+run.expires.UTC().Format(time.RFC3339Nano))
	}
	opts := func(o *provider.Options) {
		o.Timeout = f.runTimeout()
		o.Env = env
		o.Logger = logger
	}
	creds := provider.New(`echo $$ >"$PIDFILE"; `+f.command, opts)
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
	case f.args == nil:
		t.Errorf("the shell never recorded its pid")
	}
	return run
}

// TestFaultMatrix runs each fault as a real command through the cache a
// program gets from provider.New and checks the outcome, the time taken, and
// that no process is left behind. TestMain checks that no goroutine is.
func TestFaultMatrix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fault commands are POSIX shell")
	}
	for _, f := range faultRows(t) {
		t.Run(f.name, func(t *testing.T) {
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

func checkOutcome(t *testing.T, f fault, run faultRun) {
	t.Helper()
	want, err := f.want, run.err
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

// flakyCommand returns a credential_process line running
// testdata/faults/flaky.sh with its state in a new directory, whose runs
// print credentials living life (truncated to the second).
func flakyCommand(t testing.TB, life time.Duration) (command, state string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("flaky.sh is a POSIX shell script")
	}
	state = t.TempDir()
	writeFile(t, filepath.Join(state, "life"), fmt.Sprint(int(life.Seconds())))
	return fmt.Sprintf("sh %sflaky.sh '%s'", faults, state), state
}

// flakyRuns returns how many times flaky.sh ran.
func flakyRuns(t testing.TB, state string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "count"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// flakyExpiry returns the Expiration flaky.sh printed with key akid.
func flakyExpiry(t testing.TB, state, akid string) time.Time {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		n, exp, _ := strings.Cut(strings.TrimSpace(line), " ")
		if fmt.Sprintf("AKIDFLAKY%05s", n) == akid {
			at, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatalf("flaky.sh never printed %s", akid)
	return time.Time{}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

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
