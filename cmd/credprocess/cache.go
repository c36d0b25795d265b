package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/redact"
	"github.com/seed-dcc28122/credprocess/internal/shared"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

const cacheUsage = `usage:
  credprocess cache [FLAGS] -- PROGRAM ARGS...
  credprocess cache [FLAGS] --shell 'COMMAND LINE'
  credprocess cache --list | --clear [--dir DIR]

Prints the credential_process output of a command, shared by every process
of this user on the host: the command runs only when the host holds no
valid entry for it, and once for all the processes that ask meanwhile. Use
it as the credential_process line of any SDK or the AWS CLI:

  credential_process = credprocess cache -- aws-vault export --format=json dev

Exit status: 0 with credentials printed; the command's exit status (or 1)
when it fails; 2 for a usage error.
`

// defaultWindow is the widest refresh window of the common consumers of a
// credential_process line: botocore and the AWS CLI call the command again
// on every credential access once fewer than 15 minutes are left, until
// they get a set with more. The wrapper moves a set on a third earlier than
// that (20 minutes before expiry), so that a long-running boto3 program
// does not start it on every request.
const defaultWindow = 15 * time.Minute

// lead is how long before expiry the wrapper stops handing out a set that
// lives life, for consumers that refresh within window of expiry: a third
// more than the window for sets that live at least twice that, else half
// their life (a set that lives less than the window is inside it from
// birth; the consumers call the wrapper on every access, and each call is
// a read of the entry, with a run at most twice per set).
func lead(life, window time.Duration) time.Duration {
	l := window + window/3
	if life >= 2*l {
		return l
	}
	return life / 2
}

type cacheOptions struct {
	dir      string
	window   time.Duration
	timeout  time.Duration
	strategy strategy.Strategy
	list     bool
	clear    bool
}

// parseCache reads the cache subcommand's flags and picks the command.
func parseCache(args []string) (target, cacheOptions, error) {
	fs := flag.NewFlagSet("credprocess cache", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	dir := fs.String("dir", "", "the shared `directory` (default: credprocess under the user's cache directory)")
	shell := fs.String("shell", "", "the shell `command line` to run, as credential_process lines are")
	timeout := fs.Duration("timeout", provider.DefaultTimeout, "bound the wait for another process's run and this `duration`'s own run together")
	strat := fs.String("strategy", "after-expiry", "when a set is refreshed: after-expiry (as late as the consumers' 15-minute window allows) or jitter (a random moment in the 10 minutes before that)")
	window := fs.Duration("window", defaultWindow, "the consumers' refresh `window`: a set is moved on a third earlier than this before its expiry")
	list := fs.Bool("list", false, "list the entries: program, masked key id, expiry and refresh moment")
	clearAll := fs.Bool("clear", false, "remove every entry (lock files stay)")
	if err := fs.Parse(args); err != nil {
		return target{}, cacheOptions{}, twoDashes(err)
	}
	o := cacheOptions{dir: *dir, window: *window, timeout: *timeout, list: *list, clear: *clearAll}
	switch *strat {
	case "after-expiry":
		o.strategy = strategy.AfterExpired{}
	case "jitter":
		o.strategy = strategy.BeforeExpiredWithJitter{Window: 10 * time.Minute}
	default:
		return target{}, o, fmt.Errorf("--strategy is after-expiry or jitter, not %q", *strat)
	}
	if o.timeout <= 0 {
		return target{}, o, fmt.Errorf("--timeout must be positive, not %v", o.timeout)
	}
	if o.window < 0 {
		return target{}, o, fmt.Errorf("--window must not be negative, not %v", o.window)
	}
	rest := fs.Args()
	switch {
	case o.list && o.clear:
		return target{}, o, errors.New("give --list or --clear, not both")
	case o.list || o.clear:
		if *shell != "" || len(rest) > 0 {
			return target{}, o, errors.New("--list and --clear take no command")
		}
		return target{}, o, nil
	case *shell != "" && len(rest) > 0:
		return target{}, o, errors.New("give --shell or a command after --, not both")
	case *shell != "":
		return target{kind: kindShell, shell: *shell}, o, nil
	case len(rest) == 0:
		return target{}, o, errors.New("give the command after --, or --shell 'COMMAND LINE'")
	}
	return target{kind: kindArgs, args: rest}, o, nil
}

// cache is the cache subcommand.
func (a app) cache(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	t, o, err := parseCache(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, cacheUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\nRun 'credprocess cache --help' for usage.\n", err)
		return exitUsage
	}
	if o.dir == "" {
		if o.dir, err = provider.DefaultSharedDir(); err != nil && (o.list || o.clear) {
			fmt.Fprintf(stderr, "credprocess cache: %v; give --dir\n", err)
			return exitFail
		}
	}
	switch {
	case o.list:
		return listEntries(o.dir, stdout, stderr)
	case o.clear:
		return clearEntries(o.dir, stdout, stderr)
	}
	return a.serve(ctx, t, o, stdout, stderr)
}

// serve prints the credentials of t, from the host's entry or one run.
func (a app) serve(ctx context.Context, t target, o cacheOptions, stdout, stderr io.Writer) int {
	cmd := execjson.Command{Shell: t.shell, Args: t.args, Timeout: o.timeout, MaxOutput: provider.DefaultMaxOutputBytes}
	// The command gets the wrapper's stdin and stderr, so that a prompt
	// reaches the user and the answer reaches the command: one prompt for
	// the host, whoever asks first. The AWS CLI and botocore start a
	// credential_process with both as pipes, though, where a prompt
	// reaches nobody; when this process still has a controlling terminal,
	// the command gets that terminal instead, as a shell's "2>/dev/tty"
	// would give it.
	cmd.Stdin, cmd.Stderr = a.stdin, stderr
	if tty := a.openTTY(); tty != nil {
		defer tty.Close()
		cmd.Stdin, cmd.Stderr = tty, tty
	}
	run := func(ctx context.Context, timeout time.Duration) (shared.Outcome, error) {
		c := cmd
		c.Timeout = timeout
		res, err := execjson.Run(ctx, c)
		now := a.now()
		if err != nil {
			var re *execjson.RunError
			if errors.As(err, &re) {
				return shared.Outcome{Failure: &shared.Failure{At: now, Until: now.Add(failureBackoff), ExitCode: re.ExitCode, Cause: re.Error(), TimedOut: re.Timeout(), Stderr: re.Stderr}}, err
			}
			return shared.Outcome{Failure: &shared.Failure{At: now, Until: now.Add(failureBackoff), ExitCode: -1, Cause: err.Error()}}, err
		}
		creds, err := execjson.Parse(res.Stdout, now)
		if err != nil {
			var pe *execjson.ParseError
			errors.As(err, &pe)
			return shared.Outcome{Failure: &shared.Failure{At: now, Until: now.Add(failureBackoff), Output: true, Field: pe.Field, Kind: uint8(pe.Kind), Reason: pe.Reason, Stderr: res.Stderr}}, err
		}
		c2 := aws.Credentials{
			AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
			AccountID: creds.AccountID, CanExpire: creds.CanExpire, Expires: creds.Expires, Source: provider.ProviderName,
		}
		return shared.Outcome{Creds: c2, RefreshAt: a.refreshAt(o.strategy, c2, now, o.window)}, nil
	}

	var ranErr error
	e, shareErr := a.obtain(ctx, t, cmd, o, func(ctx context.Context, timeout time.Duration) shared.Outcome {
		out, err := run(ctx, timeout)
		ranErr = err
		return out
	})
	if shareErr != nil {
		fmt.Fprintf(stderr, "credprocess cache: not sharing: %v\n", shareErr)
		out, err := run(ctx, o.timeout)
		if err != nil {
			return failed(stderr, cmd.Program(), out.Failure, true)
		}
		e = &shared.Entry{Creds: out.Creds}
	}
	if ranErr != nil {
		return failed(stderr, cmd.Program(), e.Failure, true)
	}
	if !e.HasSet(a.now()) {
		return failed(stderr, cmd.Program(), e.Failure, false)
	}
	if err := printCreds(stdout, e); err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\n", err)
		return exitFail
	}
	return exitOK
}

// failureBackoff is how long a failed run is every asker's answer, as in
// the library.
const failureBackoff = 2 * time.Second

// obtain answers from the host's entry in dir.
func (a app) obtain(ctx context.Context, t target, cmd execjson.Command, o cacheOptions, run func(context.Context, time.Duration) shared.Outcome) (*shared.Entry, error) {
	st, err := shared.Open(o.dir)
	if err != nil {
		return nil, err
	}
	slot := st.Slot(shared.NewIdentity(t.shell, t.args, "", nil), cmd.Program(), provider.ProviderName)
	res, err := slot.Obtain(ctx, shared.Request{
		Now:     a.now,
		Timeout: o.timeout,
		Usable: func(e *shared.Entry, now time.Time) bool {
			// Served until the moment drawn when it was fetched, and never
			// inside the consumers' window when its life allows.
			if !e.Creds.CanExpire {
				return true
			}
			life := e.Creds.Expires.Sub(e.FetchedAt)
			return now.Before(e.RefreshAt) && now.Before(e.Creds.Expires.Add(-lead(life, o.window)))
		},
		Run: run,
	})
	if err != nil {
		return nil, err
	}
	if res.WriteErr != nil {
		fmt.Fprintf(os.Stderr, "credprocess cache: not saved for other processes: %v\n", res.WriteErr)
	}
	return res.Entry, nil
}

// refreshAt is the moment a set fetched at now stops being handed out: the
// strategy's moment for a set that expired lead before its expiry, so that
// it is never handed out inside the consumers' window when its life
// allows; half its life if that moment is already past.
func (a app) refreshAt(s strategy.Strategy, c aws.Credentials, now time.Time, window time.Duration) time.Time {
	if !c.CanExpire {
		return time.Time{}
	}
	at := s.RefreshAt(c.Expires.Add(-lead(c.Expires.Sub(now), window)), now)
	if !at.After(now) {
		at = now.Add(c.Expires.Sub(now) / 2)
	}
	return at
}

// failed reports a failure on stderr and returns the exit status: the
// command's, or 1. The stderr excerpt is printed only when the command's
// stderr did not already reach the same place as it ran.
func failed(stderr io.Writer, program string, f *shared.Failure, ranHere bool) int {
	if f == nil {
		fmt.Fprintln(stderr, "credprocess cache: no credentials")
		return exitFail
	}
	msg := "credential_process " + execjson.Quote(program)
	switch {
	case f.Output:
		msg += " output"
		if f.Field != "" {
			msg += ": " + f.Field
		}
		msg += ": " + f.Reason
	case f.ExitCode >= 0:
		msg += fmt.Sprintf(" exited with status %d", f.ExitCode)
	default:
		msg += ": " + f.Cause
	}
	if !ranHere {
		msg += fmt.Sprintf(" (a run in another process at %s)", f.At.UTC().Format(time.RFC3339))
		if f.Stderr != "" {
			msg += "; stderr: " + f.Stderr
		}
	}
	fmt.Fprintln(stderr, "credprocess cache: "+msg)
	if f.ExitCode > 0 && f.ExitCode < 256 {
		return f.ExitCode
	}
	return exitFail
}

// printCreds prints the entry's set as the credential_process
// specification has it, with the producer's Expiration unchanged.
func printCreds(w io.Writer, e *shared.Entry) error {
	out := struct {
		Version         int    `json:"Version"`
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string `json:"SecretAccessKey"`
		SessionToken    string `json:"SessionToken,omitempty"`
		Expiration      string `json:"Expiration,omitempty"`
		AccountID       string `json:"AccountId,omitempty"`
	}{Version: 1, AccessKeyID: e.Creds.AccessKeyID, SecretAccessKey: e.Creds.SecretAccessKey,
		SessionToken: e.Creds.SessionToken, AccountID: e.Creds.AccountID}
	if e.Creds.CanExpire {
		out.Expiration = e.Creds.Expires.UTC().Format(time.RFC3339Nano)
	}
	return json.NewEncoder(w).Encode(out)
}

// openTTY returns the controlling terminal when neither stdin nor stderr
// is a terminal (a parent such as botocore piped both) but this process
// has one; nil otherwise, and on Windows, which has no /dev/tty.
func (a app) openTTY() *os.File {
	if runtime.GOOS == "windows" || isTerminal(a.stdin) || isTerminal(a.stderr) {
		return nil
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil // no controlling terminal, as under CI or a service
	}
	return f
}

// isTerminal reports whether v is a terminal: a character device other
// than the null device.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// listEntries prints the entries of dir, without secrets.
func listEntries(dir string, stdout, stderr io.Writer) int {
	st, err := shared.Open(dir)
	if err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\n", err)
		return exitFail
	}
	entries, err := st.List()
	if err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\n", err)
		return exitFail
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tKEY\tEXPIRES\tREFRESH\tSTATE")
	for _, l := range entries {
		e := l.Entry
		if e == nil {
			fmt.Fprintf(tw, "?\t\t\t\tunreadable (%s)\n", shown(l.Path))
			continue
		}
		state := "valid"
		switch {
		case e.Failure != nil && !e.Creds.HasKeys():
			state = "failed"
		case e.Withdrawn:
			state = "withdrawn"
		case e.Creds.CanExpire && !e.Creds.Expires.After(time.Now()):
			state = "expired"
		}
		exp, ref := "never", "-"
		if e.Creds.CanExpire {
			exp, ref = stamp(e.Creds.Expires), stamp(e.RefreshAt)
		}
		key := "-"
		if e.Creds.HasKeys() {
			key = redact.AccessKeyID(e.Creds.AccessKeyID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shown(e.Program), shown(key), exp, ref, state)
	}
	if err := tw.Flush(); err != nil {
		return exitFail
	}
	return exitOK
}

// clearEntries removes the entries of dir.
func clearEntries(dir string, stdout, stderr io.Writer) int {
	st, err := shared.Open(dir)
	if err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\n", err)
		return exitFail
	}
	n, err := st.Clear()
	if err != nil {
		fmt.Fprintf(stderr, "credprocess cache: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "removed %s from %s\n", count(int64(n), "entry", "entries"), dir)
	return exitOK
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
