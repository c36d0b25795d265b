package provider

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/aws/smithy-go/tracing"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/stdin"
	"github.com/seed-dcc28122/credprocess/internal/tee"
	"github.com/seed-dcc28122/credprocess/internal/telemetry"
)

// ProviderName is the Source of the credentials the caches of this package
// return.
const ProviderName = "CredentialProcessProvider"

// provider runs a credential_process command for the one
// aws.CredentialsCache that newCache builds around it, and is called only
// by that cache (cache.go): Retrieve, AdjustExpiresBy and
// HandleFailToRefresh take their meaning from the order the cache calls
// them in. It is safe for concurrent use. A background run ends by itself
// within Options.Timeout.
type provider struct {
	// cfg is behind a pointer so that printing a value that holds a
	// provider (fmt cannot call Format through an unexported field) shows
	// an address, not the command line and environment.
	cfg *settings

	// Seams for tests; see export_test.go.
	now func() time.Time
	run func(context.Context, execjson.Command) (execjson.Result, error)

	mu     sync.Mutex // guards st, flight, handed and idle
	st     state      // what is held and what came of the last run
	flight *flight    // the run under way; nil when none is
	handed handed     // what the cache was last given
	// idle fires at the next refresh moment, with RefreshWhenIdle; nil
	// otherwise, and once the cache is gone.
	idle       *time.Timer
	background sync.WaitGroup // runs under way
}

// settings is what a provider runs, fixed at construction.
type settings struct {
	cmd     execjson.Command
	options Options
	// stdin feeds Options.Stdin to the runs requests wait for, when it is
	// not a file; nil otherwise.
	stdin *stdin.Pump
	// shared is the provider's part in the host's shared cache; nil
	// without Options.SharedDir.
	shared *sharing
	// meter records metrics; nil without Options.MeterProvider. tracer
	// traces runs; nil without Options.TracerProvider.
	meter  *telemetry.Meter
	tracer tracing.Tracer
}

// New returns a cache of the credentials that command prints, run by the
// system shell as aws-sdk-go-v2's processcreds runs a credential_process
// line: sh -c on Unix, cmd.exe /D /C "command" on Windows, so that quotes,
// pipes, variables, ~ and globs work as in a shell. The AWS CLI runs no
// shell (it splits the line into words and passes $VAR, ~ and globs to the
// program as written); [NewArgs] runs a program without one.
//
// The result is a *aws.CredentialsCache so that config.LoadDefaultConfig
// keeps it as is instead of wrapping it in a second cache, and so that
// [github.com/seed-dcc28122/credprocess/middleware] can invalidate the very
// cache a client signs with. Nothing runs until the first Retrieve.
//
// The Expires of the credentials the cache returns is the moment the
// strategy picked for the next refresh (never later than the producer's
// expiry), because that is what the cache compares with the clock; it is
// not the Expiration the command printed. [Expiration] returns that.
func New(command string, optFns ...func(*Options)) *aws.CredentialsCache {
	return newCache(newProvider(execjson.Command{Shell: command}, optFns))
}

// NewArgs is like [New] but runs args[0] with the arguments args[1:]
// directly, without a shell, for images that have none.
func NewArgs(args []string, optFns ...func(*Options)) *aws.CredentialsCache {
	return newCache(newProvider(execjson.Command{Args: append([]string(nil), args...)}, optFns))
}

func newProvider(cmd execjson.Command, optFns []func(*Options)) *provider {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	cfg := &settings{options: o}
	cmd.Env, cmd.Dir = o.Env, o.Dir
	switch in := o.Stdin.(type) {
	case nil:
	case *os.File:
		// os/exec hands a file to the command as it is.
		cmd.Stdin = in
	default:
		// One reader for every run: os/exec's own copy would hold a run
		// whose Stdin blocks for ever (see package stdin).
		cfg.stdin = stdin.New(in)
	}
	if o.Stderr != nil {
		// One tee for every run: a writer that blocks for good holds one
		// goroutine, not one per run.
		cmd.Stderr = tee.New(o.Stderr)
	}
	cmd.Timeout, cmd.MaxOutput = o.Timeout, o.MaxOutputBytes
	cfg.cmd = cmd
	cfg.shared = newSharing(cmd, o)
	cfg.meter = telemetry.NewMeter(o.MeterProvider)
	if o.TracerProvider != nil {
		cfg.tracer = o.TracerProvider.Tracer(telemetry.Scope)
	}
	return &provider{
		cfg: cfg,
		now: time.Now,
		run: execjson.Run,
		st:  state{rules: rules{strategy: o.Strategy, minRefreshInterval: o.MinRefreshInterval}},
	}
}

// String names the provider by program, without arguments.
func (p *provider) String() string {
	return "credential_process " + execjson.Quote(p.cfg.cmd.Program())
}

// Format prints the provider as String does for every verb, so that %#v
// and %+v do not expose the command line, environment or credentials.
func (p *provider) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

// logf logs to Options.Logger at every level. Without one, warnings go to
// the logger of the client that asked for credentials (aws.Config.Logger,
// which the SDK puts in the request context), and debug lines nowhere, as
// the SDK itself logs nothing at debug level unless asked.
//
// Lines start with the provider's name: the program, or the command line
// with Options.LogCommandLine.
func (p *provider) logf(ctx context.Context, c logging.Classification, format string, v ...any) {
	name := p.String()
	if p.cfg.options.LogCommandLine {
		name = "credential_process " + execjson.Quote(p.cfg.cmd.Line())
	}
	format = "%s: " + format
	v = append([]any{name}, v...)
	if p.cfg.options.Logger != nil {
		p.cfg.options.Logger.Logf(c, format, v...)
		return
	}
	if c != logging.Debug {
		smithymiddleware.GetLogger(ctx).Logf(c, format, v...)
	}
}

// clock reads the provider's clock as wall-clock time. The cache judges
// expiry by the wall clock, so the provider must too: a monotonic reading
// stands still while a laptop sleeps or a VM is paused, and comparing such
// readings would take the cache's next ask for an invalidation.
func (p *provider) clock() time.Time { return p.now().Round(0) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
