package provider

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// ProcessError reports a command that could not be started, exited non-zero,
// was killed, timed out, or wrote more than Options.MaxOutputBytes to
// stdout. Inspect it with errors.As:
//
//	var pe *provider.ProcessError
//	if errors.As(err, &pe) {
//		log.Printf("%s: exit %d: %s", pe.Program, pe.ExitCode, pe.Stderr)
//	}
//
// It never holds stdout. A timeout also satisfies
// errors.Is(err, context.DeadlineExceeded).
type ProcessError struct {
	// Program is the program's name as written in the command, without its
	// arguments (they may hold secrets).
	Program string
	// ExitCode is the command's exit status, or -1 when it did not exit on
	// its own: it never started, was killed by a signal, or timed out.
	ExitCode int
	// Stderr is the start and end (2 KiB each) of what the command wrote to
	// stderr, with the middle elided, any secret replaced by [redacted]
	// (one printed on stdout, or a value under a label such as
	// AWS_SECRET_ACCESS_KEY= or X-Amz-Security-Token:), and control,
	// line-breaking and bidirectional characters other than line feeds and
	// tabs replaced. It is untrusted text.
	Stderr string
	// Duration is how long the command ran.
	Duration time.Duration
	// Err is the cause: the exec error of a command that could not start,
	// an error satisfying context.DeadlineExceeded for a timeout,
	// ErrOutputTooLarge, or the wait status.
	Err error
}

// Error describes the failure with the stderr excerpt.
func (e *ProcessError) Error() string {
	var b strings.Builder
	b.WriteString("credential_process " + execjson.Quote(e.Program))
	var shared *sharedCause
	switch {
	case e.ExitCode >= 0:
		fmt.Fprintf(&b, " exited with status %d", e.ExitCode)
		if errors.As(e.Err, &shared) {
			b.WriteString(shared.where())
		}
	default:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	writeStderr(&b, e.Stderr)
	return b.String()
}

// Unwrap returns Err.
func (e *ProcessError) Unwrap() error { return e.Err }

// Timeout reports whether Options.Timeout stopped the command.
func (e *ProcessError) Timeout() bool { return errors.Is(e.Err, execjson.ErrTimedOut) }

// OutputError reports output that breaks the credential_process
// specification. Inspect it with errors.As:
//
//	var oe *provider.OutputError
//	if errors.As(err, &oe) && oe.Kind == provider.TextBeforeJSON {
//		log.Printf("%s prints a banner on stdout: %s", oe.Program, oe.Reason)
//	}
//
// No value from the output is ever included, apart from a numeric Version.
type OutputError struct {
	// Program is the program's name as written in the command.
	Program string
	// Field is the JSON key at fault, such as "Expiration", or "" when the
	// document as a whole is at fault.
	Field string
	// Kind is what is wrong.
	Kind OutputKind
	// Reason says what is wrong in words, without quoting the output.
	Reason string
	// Stderr is an excerpt of the command's stderr, as in ProcessError.
	Stderr string
	// Err is ErrExpired for credentials already expired, else nil.
	Err error
}

// Error names the field and the reason, with the stderr excerpt.
func (e *OutputError) Error() string {
	var b strings.Builder
	b.WriteString("credential_process " + execjson.Quote(e.Program) + " output")
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	writeStderr(&b, e.Stderr)
	return b.String()
}

// Unwrap returns Err.
func (e *OutputError) Unwrap() error { return e.Err }

func writeStderr(b *strings.Builder, stderr string) {
	if stderr != "" {
		fmt.Fprintf(b, "; stderr: %s", stderr)
	}
}

// OutputKind is what is wrong with a command's output: [OutputError.Kind].
type OutputKind uint8

// The kinds of [OutputError], in the order the output is checked.
const (
	// EmptyOutput: the command printed nothing but white space.
	EmptyOutput OutputKind = OutputKind(execjson.EmptyOutput)
	// TextBeforeJSON: text came before the JSON object, such as a banner a
	// wrapper prints on stdout; it belongs on stderr.
	TextBeforeJSON OutputKind = OutputKind(execjson.TextBeforeJSON)
	// NotJSONObject: the output is not a JSON object.
	NotJSONObject OutputKind = OutputKind(execjson.NotJSONObject)
	// InvalidJSON: the JSON object is malformed; Reason gives the offset.
	InvalidJSON OutputKind = OutputKind(execjson.InvalidJSON)
	// TextAfterJSON: text came after the JSON object.
	TextAfterJSON OutputKind = OutputKind(execjson.TextAfterJSON)
	// NotAString: Field holds another JSON type than a string.
	NotAString OutputKind = OutputKind(execjson.NotAString)
	// MissingField: Field (Version, AccessKeyId or SecretAccessKey) is
	// absent or empty.
	MissingField OutputKind = OutputKind(execjson.Missing)
	// VersionNotOne: Version is not the number 1.
	VersionNotOne OutputKind = OutputKind(execjson.VersionNotOne)
	// NotRFC3339: Expiration is not an RFC 3339 timestamp.
	NotRFC3339 OutputKind = OutputKind(execjson.NotRFC3339)
	// NoTimeZone: Expiration has no time zone offset, as tools printing
	// local time without one do.
	NoTimeZone OutputKind = OutputKind(execjson.NoTimeZone)
	// AlreadyExpired: the credentials had expired when they were read; Err
	// is ErrExpired.
	AlreadyExpired OutputKind = OutputKind(execjson.Expired)
)

// ErrOutputTooLarge is wrapped by a [ProcessError] whose command wrote more
// than Options.MaxOutputBytes to stdout.
var ErrOutputTooLarge = execjson.ErrOutputTooLarge

// ErrExpired is wrapped by an [OutputError] for credentials that were
// already expired when the command returned them.
var ErrExpired = execjson.ErrExpired

// processError is the ProcessError of a failed run.
func processError(e *execjson.RunError) *ProcessError {
	return &ProcessError{Program: e.Program, ExitCode: e.ExitCode, Stderr: e.Stderr, Duration: e.Duration, Err: e.Err}
}

// outputError is the OutputError of a parse failure of the output of
// program, with the run's stderr excerpt.
func outputError(program, stderr string, e *execjson.ParseError) *OutputError {
	return &OutputError{Program: program, Field: e.Field, Kind: OutputKind(e.Kind), Reason: e.Reason, Stderr: stderr, Err: e.Err}
}
