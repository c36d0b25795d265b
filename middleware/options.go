package middleware

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/metrics"
	"github.com/aws/smithy-go/tracing"
)

// Options configures the middleware that [RetryOnAuthFailure] returns.
//
// An Options value is built once per call of [RetryOnAuthFailure]: defaults
// first, then each option function in order. The functions may replace or
// mutate the maps and values they find; the middleware keeps the result and
// never changes it afterwards, so it is safe to share between goroutines.
type Options struct {
	// Codes is the set of API error codes (smithy.APIError.ErrorCode) that
	// mark a rejection of the credentials that signed the request. A code
	// triggers a refresh when Codes[code] is true.
	//
	// Default: [DefaultCodes]. A nil or empty map disables the middleware:
	// nothing is refreshed or replayed. Use [AddCodes] and [RemoveCodes] to
	// adjust the default set.
	Codes map[string]bool

	// Logger receives one Debug line per refresh decision (code, service,
	// operation, outcome) and one Warn line when the refresh itself fails.
	// Credentials are never logged.
	//
	// Default: nil, which sends the warnings to the client's own logger
	// (aws.Config.Logger) and drops the debug lines.
	Logger logging.Logger

	// MeterProvider, if not nil, receives the middleware's metrics:
	// operations replayed, and rejections the rejection backoff answered
	// without a run, each by error code (the README lists them). Nil
	// records nothing.
	MeterProvider metrics.MeterProvider

	// TracerProvider, if not nil, traces each refresh and replay in a
	// span of its own, named credprocess.replay, with the error code. Nil
	// adds an event of that name to the operation's span instead, when
	// the SDK traces the operation.
	TracerProvider tracing.TracerProvider

	// Sources are more caches the client's credentials are made from, such
	// as the cache of a credential_process whose credentials an
	// stscreds.AssumeRoleProvider (inside the cache given to
	// [RetryOnAuthFailure]) uses to assume a role. Give the STS client of
	// that provider the same middleware: when STS rejects the source's set,
	// the middleware refreshes that cache and replays the AssumeRole.
	//
	// Of all the caches, the middleware refreshes only the one that served
	// the rejected set, and does nothing when none did (another credentials
	// option replaced them). Caches made by this module record what they
	// served; a cache made elsewhere cannot tell and is taken to own any set
	// the others did not serve.
	//
	// Default: none.
	Sources []*aws.CredentialsCache
}

// ExpiryCodes returns the API error codes with which services say that the
// credentials or the signature timestamp have expired: ExpiredToken (S3 and
// Query services such as STS), ExpiredTokenException (JSON services such as
// DynamoDB), RequestExpired (EC2) and TokenRefreshRequired (S3).
//
// It returns a new slice on every call.
func ExpiryCodes() []string {
	return []string{
		"ExpiredToken",
		"ExpiredTokenException",
		"RequestExpired",
		"TokenRefreshRequired",
	}
}

// UnknownKeyCodes returns the API error codes with which services reject an
// access key or session token they do not recognise: InvalidClientTokenId
// (Query services), UnrecognizedClientException (JSON services),
// InvalidAccessKeyId and InvalidToken (S3) and AuthFailure (EC2). Services
// also answer some expired session tokens with these codes.
//
// They also mean "this key never existed", so they are only worth a replay
// when the refresh produced different credentials; the middleware requires
// that for every code (see the package documentation).
//
// It returns a new slice on every call.
func UnknownKeyCodes() []string {
	return []string{
		"InvalidClientTokenId",
		"UnrecognizedClientException",
		"InvalidAccessKeyId",
		"InvalidToken",
		"AuthFailure",
	}
}

// DefaultCodes returns the default value of [Options.Codes]: the union of
// [ExpiryCodes] and [UnknownKeyCodes]. Authorization failures
// (AccessDenied, AccessDeniedException) and signature errors
// (SignatureDoesNotMatch, InvalidSignatureException) are deliberately absent.
//
// It returns a new map on every call.
func DefaultCodes() map[string]bool {
	codes := make(map[string]bool)
	for _, c := range ExpiryCodes() {
		codes[c] = true
	}
	for _, c := range UnknownKeyCodes() {
		codes[c] = true
	}
	return codes
}

// AddCodes returns an option that adds codes to [Options.Codes], for example
// an S3 HEAD request's synthetic "BadRequest" or a service's own code.
func AddCodes(codes ...string) func(*Options) {
	return func(o *Options) {
		if o.Codes == nil {
			o.Codes = make(map[string]bool, len(codes))
		}
		for _, c := range codes {
			o.Codes[c] = true
		}
	}
}

// RemoveCodes returns an option that removes codes from [Options.Codes].
func RemoveCodes(codes ...string) func(*Options) {
	return func(o *Options) {
		for _, c := range codes {
			delete(o.Codes, c)
		}
	}
}
