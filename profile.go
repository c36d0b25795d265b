package credprocess

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/internal/profiles"
	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
)

// WithProfile returns a [config.LoadOptionsFunc] that loads a profile of the
// shared config files as config.WithSharedConfigProfile(profile) does, with
// credprocess in charge of every credential_process in the profile's
// credential chain:
//
//	cfg, err := config.LoadDefaultConfig(ctx, credprocess.WithProfile("dev"))
//
// What signs depends on where the chain ends, read with the SDK's own
// loader and precedence ([provider.CommandFromProfile] describes the file
// rules):
//
//   - A credential_process: the cache of [provider.New] for that command,
//     with the replay middleware of [WithCredentialProcess]. The SDK's
//     processcreds never runs, and environment keys do not win over it.
//   - A credential_process under role_arn and source_profile (any number of
//     hops): the SDK's stscreds.AssumeRoleProvider assumes each role with the
//     credentials of the hop below, each hop in its own cache, the lowest
//     being credprocess's. The profile's role_session_name, external_id,
//     duration_seconds and mfa_serial apply, and so does
//     config.WithAssumeRoleCredentialOptions. The STS client is built from
//     the same load options, when first needed. The middleware is bound to
//     every hop's cache: a rejected set is refreshed in the cache that
//     served it (a service rejecting the role's credentials assumes the
//     role again; STS rejecting the command's credentials runs the command
//     again), and the request is replayed once.
//   - Anything else (static keys, credential_source, web identity, SSO,
//     login sessions): the SDK's own providers, exactly as
//     config.WithSharedConfigProfile(profile) gives them; WithProfile only
//     selects the profile.
//
// The profile is read when the option runs. An empty profile means the one
// selected by an earlier config.WithSharedConfigProfile, else AWS_PROFILE,
// AWS_DEFAULT_PROFILE or "default"; files set by earlier
// config.WithSharedConfigFiles and config.WithSharedCredentialsFiles are
// read instead of AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE. The
// profile also becomes LoadOptions.SharedConfigProfile, so that the region
// and other settings come from the same profile, as with aws --profile. An
// option later in the call that selects another profile or other files
// would mix the settings of one profile with the credentials of another:
// every operation of a client built from such a config then fails with an
// error naming both profiles. Put WithProfile last, or give it the name.
//
// Errors wrap [provider.ErrProfileNotFound], [provider.ErrProfileCycle] or
// the SDK's shared-config errors, and are returned by
// config.LoadDefaultConfig. As with [provider.NewFromProfile], their text
// quotes no value from the files other than profile names.
//
// Among options that set LoadOptions.Credentials, such as
// config.WithCredentialsProvider, the later in the call wins; the
// middleware then leaves the other credentials alone. Each load reads the
// profile afresh and creates its own caches, unlike WithCredentialProcess,
// whose cache all loads share. optFns apply to the credential_process's
// [provider.Options].
func WithProfile(profile string, optFns ...func(*provider.Options)) config.LoadOptionsFunc {
	return func(o *config.LoadOptions) error {
		name := profile
		if name == "" {
			name = o.SharedConfigProfile
		}
		if name == "" {
			name = profiles.EnvProfile()
		}
		chosen := selection{profile: name, configFiles: o.SharedConfigFiles, credentialsFiles: o.SharedCredentialsFiles}
		chain, err := profiles.LoadChain(context.Background(), "credprocess", name, func(so *config.LoadSharedConfigOptions) {
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
		o.SharedConfigProfile = name
		// The loaded options are read again when a client runs an
		// operation: o points at the options config.LoadDefaultConfig
		// applies every option to, final once the load has returned.
		check := chosen.check(o)

		command, ok := chain.Process()
		if !ok {
			// The SDK's own chain resolves the profile.
			o.APIOptions = append(o.APIOptions, check)
			return nil
		}

		sources := func(po *provider.Options) { po.CredentialSources = profiles.ProcessSources() }
		creds := provider.New(command, append([]func(*provider.Options){sources}, optFns...)...)
		var below []*aws.CredentialsCache
		sts := profiles.NewSTS("credprocess", o)
		for _, role := range chain.Roles() {
			below = append(below, creds)
			creds = served.NewCache(sts.AssumeRole(role, creds), served.Withdrawal{})
		}
		o.Credentials = creds
		retry := middleware.RetryOnAuthFailure(creds, func(mo *middleware.Options) { mo.Sources = below })
		// One stack option for both: the check runs first on every stack,
		// and the client's option list is as long as WithCredentialProcess
		// makes it.
		o.APIOptions = append(o.APIOptions, func(stack *smithymiddleware.Stack) error {
			if err := check(stack); err != nil {
				return err
			}
			return retry(stack)
		})
		return nil
	}
}

// selection is the profile and files WithProfile read.
type selection struct {
	profile                       string
	configFiles, credentialsFiles []string
}

// check returns a stack option that fails the operation when the load
// options o ended up selecting a profile or files other than s.
func (s selection) check(o *config.LoadOptions) func(*smithymiddleware.Stack) error {
	return func(*smithymiddleware.Stack) error {
		switch {
		case o.SharedConfigProfile != s.profile:
			return fmt.Errorf("credprocess: WithProfile read profile %q, but an option after it selected profile %q for the rest of the config: put WithProfile last, or pass it the profile name",
				s.profile, o.SharedConfigProfile)
		case !slices.Equal(o.SharedConfigFiles, s.configFiles) || !slices.Equal(o.SharedCredentialsFiles, s.credentialsFiles):
			return fmt.Errorf("credprocess: WithProfile read profile %q from other shared config files than an option after it selected: put WithProfile last",
				s.profile)
		}
		return nil
	}
}
