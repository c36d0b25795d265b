package credprocess

import (
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
)

// WithCredentialProcess returns a [config.LoadOptionsFunc] that makes every
// client built from the loaded config sign with the credentials command
// prints, and replay an operation once with fresh credentials when AWS
// rejects them:
//
//	cfg, err := config.LoadDefaultConfig(ctx,
//		credprocess.WithCredentialProcess("my_command -r role"))
//
// It sets LoadOptions.Credentials to [provider.New](command, optFns...) and
// appends [middleware.RetryOnAuthFailure] for that same cache, with default
// [middleware.Options], to LoadOptions.APIOptions. To change the middleware's
// options, build the two yourself with the same cache.
//
// The cache is created when WithCredentialProcess is called and nothing runs
// until a client first needs credentials; loading several configs with the
// same returned option shares one cache. Used twice in one load, the later
// call wins for both the credentials and the middleware.
func WithCredentialProcess(command string, optFns ...func(*provider.Options)) config.LoadOptionsFunc {
	creds := provider.New(command, optFns...)
	retry := middleware.RetryOnAuthFailure(creds)
	return func(o *config.LoadOptions) error {
		o.Credentials = creds
		o.APIOptions = append(o.APIOptions, retry)
		return nil
	}
}
