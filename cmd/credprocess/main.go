// Command credprocess diagnoses a credential_process command, and shares
// one run of it among every process of a user on the host.
//
// credprocess check runs the command exactly as the credprocess library
// does and reports whether the output follows the specification, without
// printing a secret. credprocess cache prints the command's output from the
// host's shared entry, running it only when no valid entry is held, for use
// as the credential_process line of any SDK or the AWS CLI; see
// "credprocess cache --help" and the README's "Sharing across processes".
//
// Install it with
//
//	go install github.com/seed-dcc28122/credprocess/cmd/credprocess@latest
//
// Usage:
//
//	credprocess check [FLAGS] [--profile P] [--assume]
//	credprocess check [FLAGS] --shell 'COMMAND LINE'
//	credprocess check [FLAGS] -- PROGRAM ARGS...
//	credprocess cache [FLAGS] -- PROGRAM ARGS...
//	credprocess cache [FLAGS] --shell 'COMMAND LINE'
//	credprocess cache --list | --clear
//
// The command to check is one of:
//
//   - --profile P: the credential_process of profile P, read with the AWS
//     SDK's own loader (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are
//     honoured; P is [profile P] in the config file) and run by the shell,
//     as aws-sdk-go-v2's processcreds runs it (the AWS CLI runs it without
//     a shell). A profile that assumes a role with source_profile is
//     followed down its chain, as the SDK and credprocess.WithProfile
//     follow it, to the credential_process at its end; the report lists
//     the chain: each profile, its role ARN, session name and external id,
//     and the command. A chain that ends in other credentials (static keys,
//     credential_source, SSO, web identity) fails, naming the SDK's
//     provider that would sign instead. With --assume, check then assumes
//     each role of the chain with STS, from the command's credentials, and
//     calls GetCallerIdentity with the last set, with STS clients
//     configured as config.LoadDefaultConfig configures them for P (region,
//     AWS_ENDPOINT_URL_STS, the profile's endpoint_url and services
//     section): the report gives the identity, or the hop that failed with
//     AWS's error code. Without --assume nothing calls AWS.
//   - --shell LINE: a command line run by the shell (sh -c on Unix,
//     cmd.exe /D /C "LINE" on Windows), written as in ~/.aws/config.
//   - -- PROGRAM ARGS...: a program run directly with its arguments, no
//     shell, as provider.NewArgs runs it. A single argument containing
//     spaces is refused unless it names a file: it is almost always a
//     command line meant for --shell.
//   - nothing: the profile the SDK would use, AWS_PROFILE or
//     AWS_DEFAULT_PROFILE, else "default".
//
// An empty --profile or --shell ("") is a usage error, not the default.
//
// Flags come before the command. --show-command adds the command as it
// runs (the shell and the line as the SDK's parser left it, or the program
// and its arguments) to the report; it is off by default because arguments
// can hold secrets. --timeout (default 1m) bounds the run and
// kills every process the command started, and stdout is capped at 1 MiB,
// as in the library. stdin is the null device, so a producer that prompts
// fails instead of waiting; --interactive gives it this terminal's stdin
// and copies its stderr here as it runs, as provider.Options.Stdin and
// Stderr do. On Linux and macOS the command then holds the terminal while
// it runs, so it can read an MFA code or turn echo off, and Ctrl-C ends it
// and everything it started, and then check.
//
// The report lists each check of the specification (the command exits 0;
// the output is one JSON object; Version is 1; AccessKeyId and
// SecretAccessKey are present; Expiration is RFC 3339 with a zone and in
// the future), the access key id masked to its first and last four
// characters, whether a session token is present, the expiration in UTC
// and local time, the time to live, the run time, the exit code and an
// excerpt of stderr. It never prints the secret key, the session token,
// stdout or the command's arguments: only the program name. --json prints
// the same report as one JSON object.
//
// What the producer wrote is shown so that it cannot pass for part of the
// report: in the text report, control, line-separator and format (bidi)
// characters are shown as Go escapes (\x1b, \n, \u202e); in JSON, values
// are exact once decoded and such characters are escaped as \uXXXX.
//
// Exit status: 0 when the output is valid and unexpired (and, with
// --assume, every STS call succeeded), 1 when a check fails, 2 for a usage
// error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/profiles"
	"github.com/seed-dcc28122/credprocess/provider"
)

const usage = `usage:
  credprocess check [FLAGS] [--profile P] [--assume]
  credprocess check [FLAGS] --shell 'COMMAND LINE'
  credprocess check [FLAGS] -- PROGRAM ARGS...
  credprocess cache [FLAGS] -- PROGRAM ARGS...   (see credprocess cache --help)

Runs a credential_process command as the credprocess library does and
reports whether its output is valid, without printing secrets. With no
command, checks the credential_process of the profile the SDK would use:
AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default". A profile that
assumes a role with source_profile is followed, as the SDK does, to the
credential_process at the end of its chain; --assume then assumes each
role with STS and calls GetCallerIdentity. Nothing else calls AWS.
Exit status: 0 valid and unexpired (with --assume: and every STS call
succeeded), 1 a check failed, 2 usage error.
`

const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, with its arguments (without the program name)
// and output streams, returning the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return app{now: time.Now, loc: time.Local, stdin: os.Stdin, stderr: os.Stderr}.run(ctx, args, stdout, stderr)
}

// app holds what tests replace: the clock the expiry is judged by, the
// zone local times are shown in, and the stdin --interactive hands on.
type app struct {
	now    func() time.Time
	loc    *time.Location
	stdin  io.Reader
	stderr io.Writer // the process's own, for telling whether it is a terminal
}

func (a app) run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "check":
	case "cache":
		return a.cache(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return exitOK
	default:
		fmt.Fprintf(stderr, "credprocess: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return exitUsage
	}

	target, opts, err := parseCheck(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "credprocess check: %v\nRun 'credprocess check --help' for usage.\n", err)
		return exitUsage
	}
	r := a.check(ctx, target, opts, stderr)
	if opts.json {
		err = writeJSON(stdout, r)
	} else {
		err = writeText(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "credprocess check: %v\n", err)
		return exitFail
	}
	if !r.OK {
		return exitFail
	}
	return exitOK
}

// printUsage writes the usage and every flag of check.
func printUsage(w io.Writer) {
	fmt.Fprint(w, usage+"\nflags:\n")
	printFlags(w, newFlags().FlagSet)
}

// printFlags lists the flags of fs as flag.PrintDefaults does, but with
// two dashes, as the README and the error messages write them: the flag
// package accepts both, and prints only one.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		switch f.DefValue {
		case "", "false", "0", "0s":
		default:
			text += fmt.Sprintf(" (default %v)", f.DefValue)
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(text, "\n", "\n    \t"))
	})
}

type checkOptions struct {
	timeout     time.Duration
	json        bool
	interactive bool
	showCommand bool
	assume      bool
}

// flags holds the check subcommand's flag values.
type flags struct {
	*flag.FlagSet
	profile, shell                 *string
	timeout                        *time.Duration
	json, interactive, showCommand *bool
	assume                         *bool
}

// newFlags returns the check subcommand's flags. Parsing prints nothing:
// run reports an error once, and help on stdout.
func newFlags() flags {
	fs := flag.NewFlagSet("credprocess check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return flags{
		FlagSet: fs,
		profile: fs.String("profile", "", "check the credential_process of this `profile` (default AWS_PROFILE, else AWS_DEFAULT_PROFILE, else \"default\")"),
		shell:   fs.String("shell", "", "check this shell `command line`, run as credential_process lines are"),
		timeout: fs.Duration("timeout", provider.DefaultTimeout, "kill the command after this `duration`"),
		json:    fs.Bool("json", false, "print the report as JSON"),
		interactive: fs.Bool("interactive", false,
			"give the command this terminal's stdin and show its stderr as it runs, for producers that prompt (MFA, browser login)"),
		showCommand: fs.Bool("show-command", false,
			"show the command as it runs, arguments included (off by default: they can hold secrets)"),
		assume: fs.Bool("assume", false,
			"also assume each role of the profile's source_profile chain with STS, and call GetCallerIdentity with the final credentials (calls AWS; without it nothing does)"),
	}
}

// parseCheck reads the check subcommand's flags and picks the command.
func parseCheck(args []string) (target, checkOptions, error) {
	fs := newFlags()
	if err := fs.Parse(args); err != nil {
		return target{}, checkOptions{}, twoDashes(err)
	}
	opts := checkOptions{timeout: *fs.timeout, json: *fs.json, interactive: *fs.interactive, showCommand: *fs.showCommand, assume: *fs.assume}
	if opts.timeout <= 0 {
		return target{}, opts, fmt.Errorf("--timeout must be positive, not %v", opts.timeout)
	}
	// An empty value given on purpose is a mistake (a variable that was not
	// set, as in --profile "$PROFILE"), not a request for the default: the
	// flag package tells the two apart only through Visit.
	var empty error
	fs.Visit(func(f *flag.Flag) {
		if empty != nil || f.Value.String() != "" {
			return
		}
		switch f.Name {
		case "shell":
			empty = errors.New("--shell needs a command line, not an empty value")
		case "profile":
			empty = errors.New(`--profile needs a profile name, not an empty value (leave it out for AWS_PROFILE or "default")`)
		}
	})
	if empty != nil {
		return target{}, opts, empty
	}
	rest := fs.Args()
	given := 0
	for _, set := range []bool{*fs.profile != "", *fs.shell != "", len(rest) > 0} {
		if set {
			given++
		}
	}
	switch {
	case given > 1:
		return target{}, opts, errors.New("give only one of --profile, --shell or a command after --")
	case opts.assume && (*fs.shell != "" || len(rest) > 0):
		return target{}, opts, errors.New("--assume follows a profile's roles: give it with --profile, or with no command for AWS_PROFILE")
	case len(rest) == 1 && strings.ContainsAny(rest[0], " \t") && !isFile(rest[0]):
		return target{}, opts, errors.New("one argument with spaces after --: to run a command line through the shell, use --shell 'COMMAND LINE'")
	case len(rest) > 0:
		return target{kind: kindArgs, args: rest}, opts, nil
	case *fs.shell != "":
		return target{kind: kindShell, shell: *fs.shell}, opts, nil
	case *fs.profile != "":
		return target{kind: kindProfile, profile: *fs.profile}, opts, nil
	default:
		return target{kind: kindProfile, profile: profiles.EnvProfile()}, opts, nil
	}
}

// flagName is a flag as the flag package names it in its errors, with one
// dash.
var flagName = regexp.MustCompile(`(: |for |flag )-([a-zA-Z])`)

// twoDashes returns a flag parsing error with its flag written with two
// dashes, as the help and the README write them.
func twoDashes(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.New(flagName.ReplaceAllString(err.Error(), "${1}--${2}"))
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}
