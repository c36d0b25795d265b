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
// Every moment is wall-clock time, as the cache's own expiry check is, so
// that a suspend or VM pause, which moves the wall clock but not the
// monotonic one, does not make the cache's next ask look like an
// invalidation.
//
// # States
//
// A [Provider] inside its cache is in one of these phases; Retrieve is the
// cache asking, AdjustExpiresBy the cache storing what Retrieve returned,
// HandleFailToRefresh the cache asking to keep its set after a failed run,
// and a rejection the replay middleware reporting that a service rejected
// a set.
//
//	phase                          on                                   goes to
//	cold: nothing held             ask                                  run (callers wait)
//	run in flight                  ok                                   fresh, handed to the callers that waited
//	                               fails, valid set held                that phase, next attempt later (failing with fallback)
//	                               fails, nothing valid                 failing
//	handing: set just returned     stored by the cache                  serving, until the moment handed
//	                               ask (no cache stored it)             run (a direct call runs every time)
//	serving                        ask before the moment handed         withdrawn, run (the cache was invalidated)
//	                               ask at the moment, before last secs  handing until the next poll, run in background (refreshing behind)
//	                               ask while refreshing behind          handing until the next poll
//	                               ask in the last seconds              run, or wait for the one in flight
//	fresh: fetched in background   ask                                  handing the new set until its moment
//	withdrawn: rejected            ask                                  run; a set a run returns is served again
//	failing: nothing valid         ask within 2 seconds of the failure  the same error, no run
//	                               ask later                            run
//	handing, serving, fresh        rejection of that set                withdrawn
//	any but cold and withdrawn     RefreshWhenIdle timer at the moment  run in background
//
// A set that is not the one to serve any more when the cache stores it (a
// rejection or a background run came between Retrieve and
// AdjustExpiresBy) is stored as expired, so the cache's next call asks
// again.
package provider
