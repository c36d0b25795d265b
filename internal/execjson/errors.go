package execjson

import (
	"errors"
	"fmt"
	"time"
)

// ErrOutputTooLarge is wrapped by the error of a run whose stdout exceeded
// the limit.
var ErrOutputTooLarge = errors.New("output too large")

// ErrExpired is wrapped by the error for credentials that were already
// expired when the command returned them.
var ErrExpired = errors.New("credentials already expired")

// ErrTimedOut is wrapped by the error of a run its timeout stopped, beside
// context.DeadlineExceeded.
var ErrTimedOut = errors.New("timed out")

// RunError reports a command that could not be started, exited non-zero,
// was killed, timed out, or wrote more than the output limit. The
// provider's ProcessError is made from it.
//
// It never holds stdout. Stderr is an excerpt written by the command: it is
// untrusted text, bounded in size.
type RunError struct {
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
	// Err is the cause: an exec error, ErrTimedOut with
	// context.DeadlineExceeded for a timeout, ErrOutputTooLarge, or the
	// wait status.
	Err error
}

// Error says what happened, without the program or stderr, which the
// caller's message adds.
func (e *RunError) Error() string {
	if e.ExitCode >= 0 {
		return fmt.Sprintf("exited with status %d", e.ExitCode)
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *RunError) Unwrap() error { return e.Err }

// Timeout reports whether the command was stopped by the timeout.
func (e *RunError) Timeout() bool { return errors.Is(e.Err, ErrTimedOut) }

// Kind is what is wrong with a command's output, in the order Parse checks.
type Kind uint8

// The kinds of output fault. The provider exports them as OutputKind.
const (
	// EmptyOutput: the command printed nothing but white space.
	EmptyOutput Kind = iota + 1
	// TextBeforeJSON: text, such as a banner, came before the JSON object.
	TextBeforeJSON
	// NotJSONObject: the output is not a JSON object at all.
	NotJSONObject
	// InvalidJSON: the JSON object is malformed.
	InvalidJSON
	// TextAfterJSON: text came after the JSON object.
	TextAfterJSON
	// NotAString: a field that must be a string holds another JSON type.
	NotAString
	// Missing: a required field is absent or empty.
	Missing
	// VersionNotOne: Version is not the number 1.
	VersionNotOne
	// NotRFC3339: Expiration is not an RFC 3339 timestamp.
	NotRFC3339
	// NoTimeZone: Expiration has no time zone offset.
	NoTimeZone
	// Expired: the credentials had already expired.
	Expired
)

// ParseError reports output that does not follow the credential_process
// specification. It names the offending field but never holds a value from
// the output that could be a secret.
type ParseError struct {
	// Field is the JSON key at fault, or "" when the document as a whole is
	// at fault.
	Field string
	// Kind is what is wrong.
	Kind Kind
	// Reason says what is wrong in words, for messages.
	Reason string
	// Err is ErrExpired for Expired, else nil.
	Err error
}

// Error names the field and the reason.
func (e *ParseError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Unwrap returns the sentinel, if any.
func (e *ParseError) Unwrap() error { return e.Err }
