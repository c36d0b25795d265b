// Package middleware replays an aws-sdk-go-v2 operation once with fresh
// credentials when the service rejects the credentials that signed it.
//
// [RetryOnAuthFailure] returns a stack option for any client:
//
//	creds := provider.New("my_command -r role")
//	cfg, err := config.LoadDefaultConfig(ctx,
//		config.WithCredentialsProvider(creds),
//		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{
//			middleware.RetryOnAuthFailure(creds),
//		}),
//	)
//
// [github.com/seed-dcc28122/credprocess.WithCredentialProcess] does both in
// one option.
//
// # Trigger
//
// The middleware acts on the API error code ([github.com/aws/smithy-go.APIError]), never on the
// HTTP status: the same ExpiredToken is a 400 from S3 and a 403 from STS. The
// default codes are [ExpiryCodes] and [UnknownKeyCodes]; [AddCodes] and
// [RemoveCodes] change the set. AccessDenied and AccessDeniedException are not
// in it: they say the principal lacks a permission, and fresh credentials for
// the same principal get the same answer. Signature errors are not in it
// either: they point at signing or proxy faults, and clock skew is corrected
// by the SDK's retryer.
//
// Only attempts that carried an Authorization header count. An unsigned
// operation such as STS AssumeRoleWithWebIdentity answers
// ExpiredTokenException about the web identity token, not about these
// credentials.
//
// # Compare and invalidate
//
// The access key and session token that signed the failed attempt are read
// from the signed request. The middleware acts only if its cache served
// them (or one of [Options.Sources], the caches of a credential chain such
// as a role assumed on credential_process credentials), and then on that
// cache alone: caches from this module record digests of the sets they
// handed out. Credentials that replaced the cache (a later credentials
// option) are someone else's, and their rejection is returned untouched,
// with no run and no replay.
//
// The cache is invalidated only while it still holds
// exactly those, then read again; concurrent failures with the same
// credentials share that one refresh, and failures that arrive after it find
// the cache already holding other credentials and use them. So N requests
// rejected together run the credential command once.
//
// A replay needs credentials different from the rejected ones (another access
// key or session token), for every code: a credential error is a verdict on
// the credentials, and resending them draws the same verdict. This is what
// makes the unknown-key codes safe to include (they also mean "this key never
// existed"), and it stops a command that returns cached keys from causing
// pointless replays. If the refresh fails, the original error is returned;
// the cache stays invalidated, so the next operation runs the command again.
// If the replay is rejected too, its error is returned, without a second
// replay.
//
// With a cache from [github.com/seed-dcc28122/credprocess/provider], the
// rejection is also reported to the provider, which then never serves that
// set again from what it holds: not while refreshing ahead of expiry, and not
// as a fallback when the replacing run fails.
//
// # Rejection backoff
//
// A set the service keeps rejecting (a deactivated key, a revoked session, a
// broker that keeps returning either) would otherwise run the command for
// every operation. Each cache counts consecutive rejections of the sets it
// served, whatever the key. The first refreshes at once. After a rejection
// that refreshed, another rejection refreshes only once the backoff has
// passed: 2 seconds after the first, then 4, 8 and so on, doubling up to 5
// minutes. Until then an operation rejected with another set (the replay's,
// or the set the refresh fetched) is returned the service's error as it is,
// without a run or a replay, and the cache keeps serving that set: during
// the backoff, operations are sent with the held credentials and get the
// service's answer, as without the middleware. An operation rejected with
// the very set whose refresh is under way still waits for that refresh and
// replays with its result. A warning is logged when a refresh starts after
// two or more rejections in a row. A successful operation signed with the
// cache's newest set ends the backoff, so a set the service accepts is never
// withheld because of it. The caches of a credential chain
// ([Options.Sources]) each have their own backoff.
//
// # Placement and the retryer
//
// The middleware sits in the Finalize step immediately before the SDK's
// "Retry" middleware ([RetryOnAuthFailureID]); a small recorder sits after
// "Signing". The replay calls "Retry" again with the operation's unsigned
// request, so credentials are resolved and the request is signed afresh, with
// a new signing time. There is at most one replay per operation call. Because
// the replay starts a new retry loop, an operation makes at most twice the
// retryer's MaxAttempts requests.
//
// The SDK's retryers do not count the default codes as retryable, so the first
// loop ends without drawing a retry token, and the replay's first attempt is a
// first attempt again, which costs none either: the retry quota is spent only
// on the faults it exists for. Stacks without "Retry" or "Signing" (presign
// clients) are left unchanged.
//
// retry.AddWithErrorCodes cannot do this job: it does not invalidate the
// cache, so the retried attempt is signed with the same cached credentials
// unless they happen to pass their local expiry during the backoff; each
// retry draws from the retry quota, so a burst of expiries starves unrelated
// retries; and it waits a backoff delay first.
//
// # Request bodies
//
// The request stream is rewound before the replay. A body that cannot be
// rewound is not replayed and the original error is returned; the cache is
// still refreshed for the next call.
package middleware
