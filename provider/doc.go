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
// The command runs through the system shell as aws-sdk-go-v2's processcreds
// runs it (sh -c on Unix; cmd.exe on Windows, as cmd.exe /D /C "COMMAND"),
// with the null device as stdin, stderr captured for errors, a timeout that
// kills every process it started, and a cap on stdout. The AWS CLI runs no
// shell: it splits the line into words and passes $VAR, ~ and globs to the
// program as written (the README lists the differences). Errors are
// [*ProcessError] and [*OutputError]; none holds a secret.
//
// # Refresh moments
//
// A strategy's moment after the fetch is honoured as given, however short
// the credentials live. A moment at or before the fetch (the zero time,
// now, the past) is raised to 5 seconds after it, or a tenth of the
// lifetime when that is shorter, so that the command does not run on
// every call; a moment after expiry is lowered to expiry. Callers stop
// using a set and wait for a run in its last 5 seconds (again a tenth of
// the lifetime when shorter), since a request signed then may arrive after
// expiry.
//
// # Runs and failures
//
// The command runs once at a time: whoever needs a run while one is under
// way (a request, a background refresh, the RefreshWhenIdle timer) waits
// for that one. A failed run with no valid set to fall back on fails every
// caller waiting for it and every caller of the next 2 seconds, without
// another run; the next caller after that runs the command again. A failed
// run with a valid set leaves the set in service until the next attempt,
// within Options.MinRefreshInterval. Errors from a run are marked as not
// retryable (RetryableError reports false), so that the SDK's retryers,
// which retry errors reporting a timeout, do not run the command once per
// attempt.
//
// A caller whose context ends stops waiting for a run; the run goes on,
// bounded by Options.Timeout, and serves the others.
//
// # What a request gets
//
// Through the cache, a request gets, by the state of the newest set a run
// returned:
//
//   - before the set's refresh moment: the set, lock-free;
//   - from the moment until its last seconds: the set at once, while one
//     run in the background fetches the next (the cache picks it up within
//     a second of its arrival);
//   - in the last seconds, after expiry, on the first request, and after a
//     service rejected the set (the replay middleware reports it) or the
//     cache was invalidated: a run, which the request waits for; a
//     rejected set comes back only if a run returns it;
//   - within 2 seconds of a failed run that left nothing valid: that run's
//     error.
//
// Every moment is wall-clock time, as the cache's own expiry check is, so
// that a suspend or VM pause, which moves the wall clock but not the
// monotonic one, does not make the cache's next ask look like an
// invalidation.
package provider
