package provider

import (
	"io"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"

	"github.com/seed-dcc28122/credprocess/strategy"
)

const (
	// DefaultTimeout bounds one run of the command when Options.Timeout is
	// zero. It leaves room for a human to answer an MFA or browser prompt.
	DefaultTimeout = time.Minute

	// DefaultMaxOutputBytes caps stdout when Options.MaxOutputBytes is zero.
	// Real output is under 4 KiB even with long session tokens.
	DefaultMaxOutputBytes = 1 << 20

	// DefaultMinRefreshInterval is used when Options.MinRefreshInterval is
	// zero.
	DefaultMinRefreshInterval = time.Minute
)

// Options configures the caches [New], [NewArgs] and [NewFromProfile]
// return. The zero value of every field selects its default. The
// constructors apply the option functions in order and skip a nil one.
type Options struct {
	// Strategy picks when each fetched credential set stops being served.
	// Nil means strategy.AfterExpired{}: serve until expiry.
	Strategy strategy.Strategy

	// Timeout bounds one run of the command; at the timeout the command and
	// every process it started are killed. Zero or negative means
	// DefaultTimeout (1 minute). The caller's context bounds only its own
	// wait: at its deadline or cancellation Retrieve returns an error that
	// satisfies errors.Is with context.DeadlineExceeded or context.Canceled,
	// while the run goes on, bounded by Timeout alone, and its result serves
	// the callers still waiting and those that come later.
	Timeout time.Duration

	// MaxOutputBytes caps what the command may write to stdout; past it the
	// command is killed and the run fails with ErrOutputTooLarge. Zero or
	// negative means DefaultMaxOutputBytes (1 MiB).
	MaxOutputBytes int

	// MinRefreshInterval is the least time between two runs while held
	// credentials are still valid: after a run that returned credentials no
	// newer than those held (producers such as aws-vault and granted cache
	// their own output), and after a failed run (or half the time left, if
	// shorter). Expiry still forces a run. With no valid credentials held,
	// a failed run is instead returned to every caller for 2 seconds, then
	// the command runs again. Zero or negative means
	// DefaultMinRefreshInterval (1 minute).
	MinRefreshInterval time.Duration

	// RefreshWhenIdle runs the command at each set's refresh moment even if
	// no request asks for credentials then, in the background as usual. A
	// program that was idle at that moment then never waits for the command
	// on its next request, and a fleet's refreshes stay inside the
	// strategy's window whatever its call rates. Off, an idle program runs
	// the command only when it next needs credentials. It takes effect for
	// the caches New, NewArgs and NewFromProfile return, with one timer per
	// cache, stopped when the cache is garbage collected. A failed run is
	// retried within MinRefreshInterval, and its warning goes to Logger
	// only: no request carries a client's logger to it.
	RefreshWhenIdle bool

	// Stdin is the command's standard input in the runs a caller waits
	// for. Nil means the null device, as a server wants; set os.Stdin for
	// producers that prompt on the terminal. On Linux and macOS, when Stdin
	// is the controlling terminal of a program in the foreground, the
	// command holds the terminal while it runs (one run at a time), so that
	// it can read from it; Ctrl-C then ends the command and is raised again
	// in this program, and the terminal is handed back with its settings
	// restored.
	//
	// A background run (a refresh ahead of expiry, or RefreshWhenIdle) gets
	// the null device: nobody waits to answer it, and it must not take the
	// terminal from a program that is reading it. If it fails, the held
	// credentials stay in service and the next attempt is the run callers
	// wait for in the last seconds before expiry.
	//
	// A Stdin that is not an *os.File, such as an io.Pipe through which a
	// GUI forwards an MFA code, belongs to the provider from the first run:
	// one goroutine reads it while a run is under way and writes into that
	// run's stdin, so a Read that blocks holds up no run past Timeout. What
	// it reads after a run ended is kept for the next run; do not read the
	// same reader elsewhere. The goroutine ends when Read returns an error.
	Stdin io.Reader

	// Stderr, if not nil, receives a copy of everything the command writes
	// to stderr, such as aws-vault's MFA prompt or granted's browser notice.
	// stderr is captured for errors either way and never read as output.
	// A Stderr that is slow or blocks holds up no run past Timeout: the copy
	// is written from a goroutine of its own, a run waits for it at most a
	// second after the command ends, and what arrives while 64 KiB wait
	// for it is dropped. Its write errors are ignored.
	Stderr io.Writer

	// Env is the command's environment, in os.Environ form. Nil means the
	// current process's environment.
	Env []string

	// Dir is the command's working directory. Empty means the current one.
	// A Dir that does not exist, or is not a directory, fails every run
	// with a [*ProcessError] (ExitCode -1) that names it.
	Dir string

	// SharedDir, if not empty, is a directory in which every process of
	// this user on the host that runs the same command shares one entry,
	// and so one run of the command per refresh: see "Sharing across
	// processes" in the README for who shares, the threat model and how to
	// clear entries. [DefaultSharedDir] names the usual place. Empty means
	// off: each process runs the command itself.
	//
	// The directory is created 0700 if missing. A directory or entry that
	// is a symbolic link, another user's, or open to the group or others
	// is neither read nor written; nor is a filesystem without working
	// locks used. The provider then warns once and runs the command
	// unshared: the shared cache never makes a request fail. Waiting for
	// another process's run counts toward Timeout.
	SharedDir string

	// Logger receives warnings about failed refreshes and debug lines about
	// runs and background refreshes. It never receives secrets or command
	// arguments, only the program's name. Nil sends the warnings to the
	// logger of the client asking for credentials (aws.Config.Logger, by
	// default the SDK's standard logger on stderr) and drops debug lines.
	Logger logging.Logger

	// LogCommandLine puts the whole command line, arguments included, in
	// log lines instead of the program's name alone. Arguments can hold
	// secrets (a password, a token file's contents), so it is off by
	// default. Errors always name the program only.
	LogCommandLine bool

	// MeterProvider, if not nil, receives the provider's metrics: runs by
	// outcome, their duration, the wait for the shared cache's lock, and
	// credentials kept in service after a failed refresh (the README lists
	// the instruments). aws.Config carries no meter provider; give the one
	// your clients use. Nil records nothing.
	MeterProvider metrics.MeterProvider

	// TracerProvider, if not nil, receives a span for each run of the
	// command, with the program's name and exit code, never its arguments.
	// Nil uses, for a run a request waits for, the tracer of the
	// operation that asks (which the SDK puts in the request context), and
	// traces no background run. A run that several requests wait for is
	// the child of none of them: its span lists theirs, and each of theirs
	// gets an event naming it.
	TracerProvider tracing.TracerProvider

	// CredentialSources is reported by ProviderSources for the SDK's
	// User-Agent, with [aws.CredentialSourceProcess] added at the end when
	// it is not already last. Nil or empty means
	// [aws.CredentialSourceProcess] alone.
	//
	// A process source stays last because newer SDK versions choose how
	// aws.CredentialsCache refreshes from the last entry, and only the path
	// they keep for process and custom sources calls the provider's
	// AdjustExpiresBy and HandleFailToRefresh. Behind an STS, SSO, IMDS,
	// HTTP or login source last, Strategy would be ignored and the command
	// would run only when the held credentials expire (or 5, 15 or 60
	// minutes before, by their lifetime, in a cache with no ExpiryWindow);
	// after a failed run the cache would hand out the expired credentials,
	// with the error only logged, and not run the command again for 5 to
	// 10 minutes; and credentials that arrive already expired would be an
	// error.
	CredentialSources []aws.CredentialSource
}

func (o *Options) setDefaults() {
	if o.Strategy == nil {
		o.Strategy = strategy.AfterExpired{}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = DefaultMaxOutputBytes
	}
	if o.MinRefreshInterval <= 0 {
		o.MinRefreshInterval = DefaultMinRefreshInterval
	}
	// Before the cache is built: a newer cache reads ProviderSources once,
	// when it is created. Clipped, so that the caller's slice is not
	// written.
	if n := len(o.CredentialSources); n == 0 || o.CredentialSources[n-1] != aws.CredentialSourceProcess {
		o.CredentialSources = append(slices.Clip(o.CredentialSources), aws.CredentialSourceProcess)
	}
}
