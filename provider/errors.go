package provider

import "github.com/seed-dcc28122/credprocess/internal/execjson"

// ProcessError reports a command that could not be started, exited non-zero,
// was killed, timed out, or wrote more than Options.MaxOutputBytes to
// stdout. Inspect it with errors.As:
//
//	var pe *provider.ProcessError
//	if errors.As(err, &pe) {
//		log.Printf("exit %d: %s", pe.ExitCode, pe.Stderr)
//	}
//
// A timeout satisfies errors.Is(err, context.DeadlineExceeded) and
// pe.Timeout(). ExitCode is -1 when the command did not exit on its own.
// Stderr is a bounded excerpt (the first and last 2 KiB) of untrusted text
// with any secret from stdout replaced. The error never holds stdout.
type ProcessError = execjson.ProcessError

// OutputError reports output that breaks the credential_process
// specification: not a JSON object, Version not the number 1, a missing
// AccessKeyId or SecretAccessKey, an Expiration that is not RFC 3339 with a
// zone, or credentials already expired (wrapping [ErrExpired]). Field names
// the JSON key at fault; no value from the output is ever included.
type OutputError = execjson.OutputError

// ErrOutputTooLarge is wrapped by a [ProcessError] whose command wrote more
// than Options.MaxOutputBytes to stdout.
var ErrOutputTooLarge = execjson.ErrOutputTooLarge

// ErrExpired is wrapped by an [OutputError] for credentials that were
// already expired when the command returned them.
var ErrExpired = execjson.ErrExpired
