package credprocess

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
)

// WithProfile returns a [config.LoadOptionsFunc] that does what
// [WithCredentialProcess] does with the credential_process of a profile in
// the shared config files:
//
//	cfg, err := config.LoadDefaultConfig(ctx, credprocess.WithProfile("dev"))
//
// The profile is read when the config is loaded, with the SDK's own loader
// and rules ([provider.CommandFromProfile]); its errors, which wrap
// [provider.ErrProfileNotFound] or [provider.ErrNoCredentialProcess], are
// returned by config.LoadDefaultConfig. Files set by
// config.WithSharedConfigFiles and config.WithSharedCredentialsFiles earlier
// in the same call are read instead of AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE, as the SDK reads them. An empty profile
// means config.WithSharedConfigProfile's if given earlier, else
// AWS_PROFILE, AWS_DEFAULT_PROFILE or "default". A named profile also
// becomes LoadOptions.SharedConfigProfile, so that the region and other
// settings come from the same profile, as with aws --profile.
//
// The SDK runs a profile's credential_process itself, with processcreds,
// only when nothing sets LoadOptions.Credentials. WithProfile sets it, so
// its provider replaces processcreds for every client built from the
// config, and also wins over AWS_ACCESS_KEY_ID and the rest of the SDK's
// chain. Among options that set LoadOptions.Credentials, such as
// config.WithCredentialsProvider, the later in the call wins, but the
// middleware stays bound to the profile's cache: do not combine them.
//
// Each load reads the profile afresh and creates its own cache, unlike
// WithCredentialProcess, whose cache all loads share. The User-Agent
// reports the credentials as coming from a profile's process, as the SDK's
// own chain would; optFns may change that and every other
// [provider.Options] field.
func WithProfile(profile string, optFns ...func(*provider.Options)) config.LoadOptionsFunc {
	return func(o *config.LoadOptions) error {
		name := profile
		if name == "" {
			name = o.SharedConfigProfile
		}
		command, err := provider.CommandFromProfile(context.Background(), name, func(so *config.LoadSharedConfigOptions) {
			if o.SharedConfigFiles != nil {
				so.ConfigFiles = o.SharedConfigFiles
			}
			if o.SharedCredentialsFiles != nil {
				so.CredentialsFiles = o.SharedCredentialsFiles
			}
		})
		if err != nil {
			return err
		}
		creds := provider.New(command, append([]func(*provider.Options){profileSources}, optFns...)...)
		if profile != "" {
			o.SharedConfigProfile = profile
		}
		o.Credentials = creds
		o.APIOptions = append(o.APIOptions, middleware.RetryOnAuthFailure(creds))
		return nil
	}
}

// profileSources is what the SDK's chain reports for a profile's
// credential_process.
func profileSources(o *provider.Options) {
	o.CredentialSources = []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}
}
