package provider

import "github.com/seed-dcc28122/credprocess/internal/execjson"

// ProcessError reports a command that could not be started, exited non-zero,
// was killed, timed out, or wrote more than Options.MaxOutputBytes to
// stdout. Inspect it with errors.As:
//
//	var pe *provider.ProcessError
//	if errors.As(err, &pe) {
//		log.Printf("%s: exit %d: %s", pe.Program, pe.ExitCode, pe.Stderr)
//	}
//
// Its fields (the type is defined in an internal package, so documentation
// tools list only this comment):
//
//	type ProcessError struct {
//		// Program is the program's name as written in the command, without
//		// its arguments (they may hold secrets).
//		Program string
//		// ExitCode is the command's exit status, or -1 when it did not exit
//		// on its own: it never started, was killed by a signal, or timed out.
//		ExitCode int
//		// Stderr is the start and end (2 KiB each) of what the command wrote
//		// to stderr, with the middle elided and any secret from stdout
//		// replaced by [redacted]. It is untrusted text.
//		Stderr string
//		// Duration is how long the command ran.
//		Duration time.Duration
//		// Err is the cause: the exec error of a command that could not
//		// start, context.DeadlineExceeded for a timeout, ErrOutputTooLarge,
//		// or the wait status.
//		Err error
//	}
//
// Methods: Error describes the failure with the stderr excerpt; Unwrap
// returns Err; Timeout reports whether the timeout stopped the command. A
// timeout also satisfies errors.Is(err, context.DeadlineExceeded). The error
// never holds stdout.
type ProcessError = execjson.ProcessError

// OutputError reports output that breaks the credential_process
// specification: not a JSON object, Version not the number 1, a missing
// AccessKeyId or SecretAccessKey, an Expiration that is not RFC 3339 with a
// zone, or credentials already expired (wrapping [ErrExpired]). Inspect it
// with errors.As:
//
//	var oe *provider.OutputError
//	if errors.As(err, &oe) {
//		log.Printf("%s: %s: %s", oe.Program, oe.Field, oe.Reason)
//	}
//
// Its fields (the type is defined in an internal package, so documentation
// tools list only this comment):
//
//	type OutputError struct {
//		// Program is the program's name as written in the command.
//		Program string
//		// Field is the JSON key at fault, such as "Expiration", or "" when
//		// the document as a whole is at fault.
//		Field string
//		// Reason says what is wrong, without quoting the output.
//		Reason string
//		// Stderr is an excerpt of the command's stderr, as in ProcessError.
//		Stderr string
//		// Err is a sentinel such as ErrExpired, or nil.
//		Err error
//	}
//
// Methods: Error names the field and the reason, with the stderr excerpt;
// Unwrap returns Err. No value from the output is ever included.
type OutputError = execjson.OutputError

// ErrOutputTooLarge is wrapped by a [ProcessError] whose command wrote more
// than Options.MaxOutputBytes to stdout.
var ErrOutputTooLarge = execjson.ErrOutputTooLarge

// ErrExpired is wrapped by an [OutputError] for credentials that were
// already expired when the command returned them.
var ErrExpired = execjson.ErrExpired
