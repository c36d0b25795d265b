package execjson

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrOutputTooLarge is wrapped by the error of a run whose stdout exceeded
// the limit.
var ErrOutputTooLarge = errors.New("output too large")

// ErrExpired is wrapped by the error for credentials that were already
// expired when the command returned them.
var ErrExpired = errors.New("credentials already expired")

// ProcessError reports a command that could not be started, exited non-zero,
// was killed, timed out, or wrote more than the output limit.
//
// It never holds stdout. Stderr is an excerpt written by the command: it is
// untrusted text, bounded in size.
type ProcessError struct {
	// Program is the program's name as written in the command, without its
	// arguments (they may hold secrets).
	Program string
	// ExitCode is the command's exit status, or -1 when it did not exit on
	// its own (not started, killed by a signal, timed out).
	ExitCode int
	// Stderr is the start and end of what the command wrote to stderr, a few
	// KiB at most, with the middle elided.
	Stderr string
	// Duration is how long the command ran.
	Duration time.Duration
	// Err is the cause: an exec error, context.DeadlineExceeded for a
	// timeout, ErrOutputTooLarge, or the wait status.
	Err error
}

// Error describes the failure, with the stderr excerpt when there is one.
func (e *ProcessError) Error() string {
	var b strings.Builder
	b.WriteString("credential_process " + QuoteProgram(e.Program))
	if e.ExitCode >= 0 {
		fmt.Fprintf(&b, " exited with status %d", e.ExitCode)
	} else {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	writeStderr(&b, e.Stderr)
	return b.String()
}

// Unwrap returns the cause.
func (e *ProcessError) Unwrap() error { return e.Err }

// Timeout reports whether the command was stopped by the timeout.
func (e *ProcessError) Timeout() bool { return errors.Is(e.Err, errTimedOut) }

var errTimedOut = errors.New("timed out")

// OutputError reports output that does not follow the credential_process
// specification. It names the offending field but never holds a value from
// the output.
type OutputError struct {
	// Program is the program's name as written in the command.
	Program string
	// Field is the JSON key at fault, such as "Expiration", or "" when the
	// document as a whole is at fault.
	Field string
	// Reason says what is wrong, without quoting the output.
	Reason string
	// Stderr is an excerpt of the command's stderr, as in ProcessError.
	Stderr string
	// Err is a sentinel such as ErrExpired, or nil.
	Err error
}

// Error names the field and the reason, with the stderr excerpt when there
// is one.
func (e *OutputError) Error() string {
	var b strings.Builder
	b.WriteString("credential_process " + QuoteProgram(e.Program) + " output")
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	writeStderr(&b, e.Stderr)
	return b.String()
}

// Unwrap returns the sentinel, if any.
func (e *OutputError) Unwrap() error { return e.Err }

func writeStderr(b *strings.Builder, stderr string) {
	if stderr != "" {
		fmt.Fprintf(b, "; stderr: %s", stderr)
	}
}
