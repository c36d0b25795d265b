package credprocess

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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
		sts := &stsClients{options: o}
		for _, role := range chain.Roles() {
			below = append(below, creds)
			creds = served.NewCache(&assumeRole{profile: role, source: creds, clients: sts, options: o}, served.Withdrawal{})
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

// stsClients builds, once, the STS client options every hop's AssumeRole
// uses, from the final load options.
type stsClients struct {
	options *config.LoadOptions

	once sync.Once
	cfg  aws.Config
	err  error
}

// client returns an STS client that signs with creds, configured as the
// loaded config would configure it: region, endpoint, HTTP client, retryer
// and API options, the middleware included.
func (s *stsClients) client(ctx context.Context, creds *aws.CredentialsCache) (*sts.Client, error) {
	s.once.Do(func() {
		final := *s.options
		// Any cache keeps the SDK from resolving the profile's chain again
		// for this config; each hop's client gets its own source below.
		final.Credentials = creds
		s.cfg, s.err = config.LoadDefaultConfig(ctx, func(lo *config.LoadOptions) error {
			*lo = final
			return nil
		})
	})
	if s.err != nil {
		return nil, fmt.Errorf("credprocess: configure the STS client for AssumeRole: %w", s.err)
	}
	return sts.NewFromConfig(s.cfg, func(so *sts.Options) { so.Credentials = creds }), nil
}

// assumeRole assumes the role of one profile in a source_profile chain with
// the SDK's stscreds, from the credentials of the cache below it. The
// provider is built on first use, when the load options are final.
type assumeRole struct {
	profile *config.SharedConfig
	source  *aws.CredentialsCache
	clients *stsClients
	options *config.LoadOptions

	once sync.Once
	p    *stscreds.AssumeRoleProvider
	err  error
}

var (
	_ aws.CredentialsProvider      = (*assumeRole)(nil)
	_ aws.CredentialProviderSource = (*assumeRole)(nil)
)

// Retrieve implements [aws.CredentialsProvider].
func (a *assumeRole) Retrieve(ctx context.Context) (aws.Credentials, error) {
	a.once.Do(func() { a.p, a.err = a.build(ctx) })
	if a.err != nil {
		return aws.Credentials{}, a.err
	}
	return a.p.Retrieve(ctx)
}

// build applies the profile's settings as the SDK's credsFromAssumeRole
// does, then config.WithAssumeRoleCredentialOptions.
func (a *assumeRole) build(ctx context.Context) (*stscreds.AssumeRoleProvider, error) {
	client, err := a.clients.client(ctx, a.source)
	if err != nil {
		return nil, err
	}
	c := a.profile
	optFns := []func(*stscreds.AssumeRoleOptions){func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = c.RoleSessionName
		// The SDK ignores a duration of 15 minutes or less: STS's minimum.
		if c.RoleDurationSeconds != nil && *c.RoleDurationSeconds/time.Minute > 15 {
			o.Duration = *c.RoleDurationSeconds
		}
		if c.ExternalID != "" {
			o.ExternalID = aws.String(c.ExternalID)
		}
		if c.MFASerial != "" {
			o.SerialNumber = aws.String(c.MFASerial)
		}
		o.CredentialSources = a.ProviderSources()
	}}
	if fn := a.options.AssumeRoleCredentialOptions; fn != nil {
		optFns = append(optFns, fn)
	}
	var check stscreds.AssumeRoleOptions
	for _, fn := range optFns {
		fn(&check)
	}
	if check.SerialNumber != nil && check.TokenProvider == nil {
		return nil, fmt.Errorf("credprocess: profile %q: %w", c.Profile, config.AssumeRoleTokenProviderNotSetError{})
	}
	return stscreds.NewAssumeRoleProvider(client, c.RoleARN, optFns...), nil
}

// IsCredentialsProvider reports whether target is an
// stscreds.AssumeRoleProvider, which is what assumeRole stands for, for
// aws.CredentialsCache.IsCredentialsProvider.
func (a *assumeRole) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	_, ok := target.(*stscreds.AssumeRoleProvider)
	return ok
}

// ProviderSources reports a role assumed on a profile's source, as the
// SDK's chain does.
func (a *assumeRole) ProviderSources() []aws.CredentialSource {
	return []aws.CredentialSource{aws.CredentialSourceProfileSourceProfile, aws.CredentialSourceSTSAssumeRole}
}
