package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/profiles"
	"github.com/seed-dcc28122/credprocess/internal/redact"
	"github.com/seed-dcc28122/credprocess/internal/terminal"
	"github.com/seed-dcc28122/credprocess/provider"
)

// Kinds of command, as they appear in the report's "source".
const (
	kindProfile = "profile"
	kindShell   = "shell"
	kindArgs    = "args"
)

// target is the command to check. args and shell hold the arguments, which
// may be secrets: only the program name reaches the report.
type target struct {
	kind    string
	profile string
	shell   string
	args    []string
}

// Check statuses.
const (
	statusPass = "pass"
	statusFail = "fail"
	statusSkip = "skip" // not reached: an earlier check failed
)

// check is one line of the report. Detail never quotes the output.
type check struct {
	Name    string `json:"name"`
	Field   string `json:"field,omitempty"`
	Profile string `json:"profile,omitempty"` // the profile of the chain an STS call was for
	Status  string `json:"status"`
	Code    string `json:"code,omitempty"` // AWS's error code, when an STS call failed with one
	Detail  string `json:"detail,omitempty"`
}

// report is what check found. It holds no secret: the access key id is
// masked and the session token is only said to be present.
type report struct {
	OK             bool    `json:"ok"`
	Source         string  `json:"source"`
	Profile        string  `json:"profile,omitempty"`
	Chain          []hop   `json:"chain,omitempty"` // the profile's source_profile chain, the profile first
	Program        string  `json:"program,omitempty"`
	Command        string  `json:"command,omitempty"` // only with --show-command: it may hold secrets
	Checks         []check `json:"checks"`
	ExitCode       int     `json:"exit_code"`               // -1: did not run or did not exit on its own
	NeverStarted   bool    `json:"never_started,omitempty"` // the program does not exist or cannot be executed
	RunTimeSeconds float64 `json:"run_time_seconds"`
	Stderr         string  `json:"stderr,omitempty"`

	AccessKeyID     string `json:"access_key_id,omitempty"` // masked
	SessionToken    bool   `json:"session_token"`
	AccountID       string `json:"account_id,omitempty"`
	Expiration      string `json:"expiration,omitempty"`       // RFC 3339, UTC; empty when the credentials never expire
	ExpirationLocal string `json:"expiration_local,omitempty"` // RFC 3339, local time
	TTLSeconds      int64  `json:"ttl_seconds,omitempty"`      // negative once expired

	// With --assume: the ARN STS GetCallerIdentity gave for the chain's
	// final credentials, and where the STS requests went.
	Identity    string `json:"identity,omitempty"`
	STSEndpoint string `json:"sts_endpoint,omitempty"`
}

// The checks in the order execjson.Parse makes them, so that everything
// before the first failure passed and everything after it was not reached.
const (
	chkProfile = iota
	chkRun
	chkObject
	chkVersion
	chkAccessKeyID
	chkSecret
	chkExpirationFormat
	chkUnexpired
	chkAssume // then one more per STS call of --assume
)

func newChecks() []check {
	return []check{
		chkProfile:          {Name: "profile sets credential_process"},
		chkRun:              {Name: "command exits with status 0"},
		chkObject:           {Name: "output is one JSON object with string values"},
		chkVersion:          {Name: "Version is the number 1", Field: "Version"},
		chkAccessKeyID:      {Name: "AccessKeyId is present", Field: "AccessKeyId"},
		chkSecret:           {Name: "SecretAccessKey is present", Field: "SecretAccessKey"},
		chkExpirationFormat: {Name: "Expiration is RFC 3339 with a time zone, or absent", Field: "Expiration"},
		chkUnexpired:        {Name: "Expiration is in the future", Field: "Expiration"},
	}
}

// check runs the command as provider.New would and fills in the report.
// For a profile, the command is the credential_process its
// source_profile chain ends in; with opts.assume, the chain's roles are
// then assumed with STS.
func (a app) check(ctx context.Context, t target, opts checkOptions, stderr io.Writer) *report {
	r := &report{Source: t.kind, Profile: t.profile, ExitCode: -1, Checks: newChecks()}
	cmd := execjson.Command{Shell: t.shell, Args: t.args, Timeout: opts.timeout, MaxOutput: provider.DefaultMaxOutputBytes}
	if opts.interactive {
		cmd.Stdin, cmd.Stderr = a.stdin, stderr
	}
	var chain profiles.Chain
	if t.kind == kindProfile {
		var err error
		chain, err = profiles.LoadChain(ctx, "check", t.profile)
		if err != nil {
			r.finish(chkProfile, "", plain(err))
			return r
		}
		r.Chain = hops(chain)
		if len(chain) > 1 {
			r.Checks[chkProfile].Name = "source_profile chain ends in a credential_process"
		}
		line, ok := chain.Process()
		if !ok {
			r.finish(chkProfile, "", notProcess(chain))
			return r
		}
		cmd.Shell = line
		if opts.assume {
			r.Checks = append(r.Checks, assumeChecks(t.profile, chain)...)
		}
	} else {
		r.Checks = r.Checks[chkRun:]
	}
	r.Program = cmd.Program()
	if opts.showCommand {
		r.Command = cmd.Line()
	}

	res, err := execjson.Run(ctx, cmd)
	if err != nil {
		var pe *execjson.RunError
		if !errors.As(err, &pe) {
			r.finish(chkRun, "", "could not run the command")
			return r
		}
		r.ExitCode, r.RunTimeSeconds, r.Stderr = pe.ExitCode, pe.Duration.Seconds(), pe.Stderr
		if r.NeverStarted = neverStarted(pe); r.NeverStarted {
			r.RunTimeSeconds = 0
			r.finish(chkRun, "", "never started: "+startError(pe.Err))
			return r
		}
		detail := processDetail(pe, opts.timeout)
		if cmd.Shell != "" {
			detail += shellExit(pe.ExitCode)
		}
		if pe.Timeout() && !opts.interactive && promptLike(pe.Stderr) {
			detail += ": its stderr ends like a prompt; if it waits for an answer (an MFA code), run check with --interactive"
		}
		r.finish(chkRun, "", detail)
		return r
	}
	r.ExitCode, r.RunTimeSeconds, r.Stderr = 0, res.Duration.Seconds(), res.Stderr

	now := a.now()
	// Expired credentials come with their error, so that the report shows
	// which key expired when.
	creds, err := execjson.Parse(res.Stdout, now)
	var oe *execjson.ParseError
	errors.As(err, &oe)
	if creds.AccessKeyID != "" {
		r.AccessKeyID = redact.AccessKeyID(creds.AccessKeyID)
		r.SessionToken = creds.SessionToken != ""
		r.AccountID = creds.AccountID
		if creds.CanExpire {
			r.Expiration = creds.Expires.UTC().Format(time.RFC3339)
			r.ExpirationLocal = creds.Expires.In(a.loc).Format(time.RFC3339)
			r.TTLSeconds = int64(creds.Expires.Sub(now).Truncate(time.Second).Seconds())
		}
	}
	switch {
	case err == nil:
		if !creds.CanExpire {
			r.Checks[r.index(chkExpirationFormat)].Detail = "absent: the credentials never expire"
		}
		if opts.assume && chain != nil {
			ctx, cancel := context.WithTimeout(ctx, opts.timeout)
			defer cancel()
			out := a.assume(ctx, t.profile, chain, aws.Credentials{
				AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
				AccountID: creds.AccountID, CanExpire: creds.CanExpire, Expires: creds.Expires,
			}, opts.interactive, stderr)
			r.Identity, r.STSEndpoint = out.identity, out.endpoint
			if out.failed >= 0 {
				r.finish(chkAssume+out.failed, "", out.detail)
				r.Checks[r.index(chkAssume+out.failed)].Code = out.code
				return r
			}
		}
		r.finish(-1, "", "")
	case oe == nil:
		r.finish(chkObject, "", "unreadable output")
	default:
		r.finish(outputCheck(oe), oe.Field, oe.Reason)
	}
	return r
}

// outputCheck maps a parse error to the check it fails.
func outputCheck(oe *execjson.ParseError) int {
	switch oe.Kind {
	case execjson.Expired:
		return chkUnexpired
	case execjson.VersionNotOne:
		return chkVersion
	case execjson.NotRFC3339, execjson.NoTimeZone:
		return chkExpirationFormat
	case execjson.Missing:
		switch oe.Field {
		case "Version":
			return chkVersion
		case "AccessKeyId":
			return chkAccessKeyID
		case "SecretAccessKey":
			return chkSecret
		}
	}
	// The document as a whole, or a type error found while decoding,
	// before any field is checked on its own.
	return chkObject
}

// finish marks the checks before failed as passed, failed as failed with
// field and detail, and the rest as not reached. failed < 0 passes them all.
func (r *report) finish(failed int, field, detail string) {
	at := len(r.Checks)
	if failed >= 0 {
		at = r.index(failed)
	}
	for i := range r.Checks {
		switch {
		case i < at:
			r.Checks[i].Status = statusPass
		case i == at:
			r.Checks[i].Status = statusFail
			r.Checks[i].Detail = detail
			if field != "" {
				r.Checks[i].Field = field
			}
		default:
			r.Checks[i].Status = statusSkip
		}
	}
	r.OK = failed < 0
}

// index is the position of check id in r.Checks, which lacks the profile
// check when no profile was read.
func (r *report) index(id int) int {
	if r.Source != kindProfile {
		return id - chkRun
	}
	return id
}

// processDetail says why the run failed, without stderr (the report shows
// it apart) and without arguments.
func processDetail(pe *execjson.RunError, timeout time.Duration) string {
	switch {
	case pe.ExitCode >= 0:
		return fmt.Sprintf("exited with status %d", pe.ExitCode)
	case pe.Timeout():
		return fmt.Sprintf("killed at the %v timeout", timeout)
	case errors.Is(pe, execjson.ErrOutputTooLarge):
		return fmt.Sprintf("killed: stdout exceeded %d bytes", provider.DefaultMaxOutputBytes)
	case errors.Is(pe, context.Canceled), errors.Is(pe, terminal.ErrInterrupted):
		return "interrupted"
	default:
		return plain(pe.Err)
	}
}
