// Package provider serves AWS credentials from a credential_process command.
//
// [New] returns the *aws.CredentialsCache to give an SDK client:
//
//	cfg, err := config.LoadDefaultConfig(ctx,
//		config.WithCredentialsProvider(provider.New("aws-vault export --format=json dev")))
//
// The cache serves a credential set lock-free until the moment its
// [strategy.Strategy] picked, then runs the command once however many
// goroutines are waiting. A refresh that fails while the held credentials
// are still valid keeps them in service and tries again later.
//
// The command runs as the AWS CLI runs it (sh -c on Unix, cmd.exe /C on
// Windows), with the null device as stdin, stderr captured for errors, a
// timeout that kills every process it started, and a cap on stdout. Errors
// are [*ProcessError] and [*OutputError]; none holds a secret.
package provider

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// ProviderName is the Source of the credentials a [Provider] returns.
const ProviderName = "CredentialProcessProvider"

// minLead is the earliest a credential set may stop being served after it
// was fetched, whatever the strategy says, unless it expires sooner.
const minLead = 5 * time.Second

// Provider runs a credential_process command on every Retrieve. It is the
// uncached provider inside the cache [New] returns; use it directly only to
// build your own aws.CredentialsCache.
//
// Besides aws.CredentialsProvider it implements the cache's optional
// strategy interfaces: AdjustExpiresBy applies the [strategy.Strategy] (it
// takes effect only when the cache's ExpiryWindow is positive; its value is
// ignored) and HandleFailToRefresh keeps still-valid credentials in service
// when a refresh fails.
//
// A Provider is safe for concurrent use; it is meant to serve one cache.
type Provider struct {
	cmd     execjson.Command
	options Options

	// Seams for tests; see export_test.go.
	now func() time.Time
	run func(context.Context, execjson.Command) (execjson.Result, error)

	mu   sync.Mutex // guards held
	held *heldSet
}

// heldSet is the last credential set the command returned, with its true
// expiry, and the moment it stops being served.
type heldSet struct {
	creds     aws.Credentials
	refreshAt time.Time
}

var (
	_ aws.CredentialsProvider                       = (*Provider)(nil)
	_ aws.CredentialProviderSource                  = (*Provider)(nil)
	_ aws.AdjustExpiresByCredentialsCacheStrategy   = (*Provider)(nil)
	_ aws.HandleFailRefreshCredentialsCacheStrategy = (*Provider)(nil)
)

// New returns a cache of the credentials that command prints, run by the
// system shell (sh -c on Unix, cmd.exe /C on Windows) exactly as the AWS CLI
// runs a credential_process line, quotes and pipes included.
//
// The result is a *aws.CredentialsCache so that config.LoadDefaultConfig
// keeps it as is instead of wrapping it in a second cache, and so that
// [github.com/seed-dcc28122/credprocess/middleware] can invalidate the very
// cache a client signs with. Nothing runs until the first Retrieve.
func New(command string, optFns ...func(*Options)) *aws.CredentialsCache {
	return cache(NewProvider(command, optFns...))
}

// NewArgs is like [New] but runs args[0] with the arguments args[1:]
// directly, without a shell, for images that have none.
func NewArgs(args []string, optFns ...func(*Options)) *aws.CredentialsCache {
	return cache(NewProviderArgs(args, optFns...))
}

// NewProvider returns the uncached provider for a shell command line. Most
// programs want [New].
func NewProvider(command string, optFns ...func(*Options)) *Provider {
	return newProvider(execjson.Command{Shell: command}, optFns)
}

// NewProviderArgs returns the uncached provider for a program run without a
// shell. Most programs want [NewArgs].
func NewProviderArgs(args []string, optFns ...func(*Options)) *Provider {
	return newProvider(execjson.Command{Args: append([]string(nil), args...)}, optFns)
}

func newProvider(cmd execjson.Command, optFns []func(*Options)) *Provider {
	var o Options
	for _, fn := range optFns {
		fn(&o)
	}
	o.setDefaults()
	cmd.Env, cmd.Dir, cmd.Stdin, cmd.Stderr = o.Env, o.Dir, o.Stdin, o.Stderr
	cmd.Timeout, cmd.MaxOutput = o.Timeout, o.MaxOutputBytes
	return &Provider{cmd: cmd, options: o, now: time.Now, run: execjson.Run}
}

func cache(p *Provider) *aws.CredentialsCache {
	return aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) {
		// Any positive window makes the cache call AdjustExpiresBy, where the
		// strategy decides; the window's own value is not used.
		o.ExpiryWindow = time.Nanosecond
	})
}

// Retrieve runs the command and returns the credentials it printed, with
// their true expiry. Errors are *ProcessError or *OutputError.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	res, err := p.run(ctx, p.cmd)
	if err != nil {
		return aws.Credentials{}, err
	}
	now := p.now()
	out, err := execjson.Parse(res.Stdout, now)
	if err != nil {
		oe := err.(*execjson.OutputError)
		oe.Program, oe.Stderr = p.cmd.Program(), res.Stderr
		return aws.Credentials{}, oe
	}
	creds := aws.Credentials{
		AccessKeyID:     out.AccessKeyID,
		SecretAccessKey: out.SecretAccessKey,
		SessionToken:    out.SessionToken,
		AccountID:       out.AccountID,
		Source:          ProviderName,
		CanExpire:       out.CanExpire,
		Expires:         out.Expires,
	}

	p.mu.Lock()
	prev := p.held
	refreshAt, unchanged := p.refreshAt(creds, prev, now)
	p.held = &heldSet{creds: creds, refreshAt: refreshAt}
	p.mu.Unlock()

	if !creds.CanExpire {
		p.logf(logging.Debug, "%s: credentials %s do not expire (ran %v)", p, mask(creds.AccessKeyID), res.Duration.Round(time.Millisecond))
	} else {
		note := ""
		if unchanged {
			note = ", no newer than those held"
		}
		p.logf(logging.Debug, "%s: credentials %s expire at %s%s; next refresh at %s (ran %v)",
			p, mask(creds.AccessKeyID), stamp(creds.Expires), note, stamp(refreshAt), res.Duration.Round(time.Millisecond))
	}
	return creds, nil
}

// refreshAt picks when creds stop being served: the strategy's moment,
// clamped to (now, expiry], and no sooner than MinRefreshInterval when the
// command handed back credentials no newer than prev, so a producer that
// caches its own output is not run on every call.
func (p *Provider) refreshAt(creds aws.Credentials, prev *heldSet, now time.Time) (at time.Time, unchanged bool) {
	if !creds.CanExpire {
		return time.Time{}, false
	}
	exp := creds.Expires
	at = p.options.Strategy.RefreshAt(exp, now)
	at = later(at, now.Add(minLead))
	if prev != nil && prev.creds.CanExpire && !exp.After(prev.creds.Expires) {
		unchanged = true
		at = later(at, now.Add(p.options.MinRefreshInterval))
	}
	if at.After(exp) {
		at = exp
	}
	return at, unchanged
}

// AdjustExpiresBy sets the Expires of a credential set this provider
// returned to the moment its strategy picked. The cache calls it once per
// stored set; the window it passes is ignored. Other credentials are moved
// by the window, as the cache's default does.
func (p *Provider) AdjustExpiresBy(creds aws.Credentials, window time.Duration) (aws.Credentials, error) {
	p.mu.Lock()
	h := p.held
	p.mu.Unlock()
	if h != nil && sameSet(creds, h.creds) {
		creds.Expires = h.refreshAt
		return creds, nil
	}
	creds.Expires = creds.Expires.Add(window)
	return creds, nil
}

// HandleFailToRefresh keeps serving the held credentials when a refresh
// fails before they expire, and schedules the next attempt no later than
// MinRefreshInterval from now (sooner when expiry is near). It returns err
// once they have expired, and when the cache was invalidated (prev is then
// empty): credentials a server rejected must not be served again.
func (p *Provider) HandleFailToRefresh(_ context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	if !prev.HasKeys() {
		return aws.Credentials{}, err
	}
	now := p.now()
	p.mu.Lock()
	h := p.held
	valid := h != nil && h.creds.AccessKeyID == prev.AccessKeyID && h.creds.SessionToken == prev.SessionToken &&
		h.creds.CanExpire && h.creds.Expires.After(now)
	var retry time.Time
	if valid {
		left := h.creds.Expires.Sub(now)
		retry = now.Add(max(min(p.options.MinRefreshInterval, left/2), min(time.Second, left)))
		p.held = &heldSet{creds: h.creds, refreshAt: retry}
	}
	p.mu.Unlock()
	if !valid {
		return aws.Credentials{}, err
	}
	p.logf(logging.Warn, "%s: refresh failed, serving credentials %s that expire at %s; next attempt at %s: %v",
		p, mask(h.creds.AccessKeyID), stamp(h.creds.Expires), stamp(retry), err)
	return h.creds, nil
}

// ProviderSources returns Options.CredentialSources, for the SDK's
// User-Agent.
func (p *Provider) ProviderSources() []aws.CredentialSource {
	return p.options.CredentialSources
}

// String names the provider by program, without arguments.
func (p *Provider) String() string {
	return fmt.Sprintf("credential_process %q", p.cmd.Program())
}

// Format prints the provider as String does for every verb, so that %#v
// and %+v do not expose the command line, environment or credentials.
func (p *Provider) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

func (p *Provider) logf(c logging.Classification, format string, v ...any) {
	p.options.Logger.Logf(c, format, v...)
}

func sameSet(a, b aws.Credentials) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SessionToken == b.SessionToken && a.Expires.Equal(b.Expires)
}

// mask shows an access key id as its first and last four characters, as
// the AWS CLI does.
func mask(id string) string {
	if len(id) <= 8 {
		return "****"
	}
	return id[:4] + "****" + id[len(id)-4:]
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
