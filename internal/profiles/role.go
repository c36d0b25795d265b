package profiles

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// STS assumes the roles of a source_profile chain with the SDK's stscreds.
// It configures, once and on first use, the STS client options every role
// uses from load options that are final by then: those of the
// config.LoadDefaultConfig call being made. It is safe for concurrent use.
type STS struct {
	prefix  string              // of errors
	options *config.LoadOptions // read on first use, when the load has returned

	once sync.Once // guards cfg and err
	cfg  aws.Config
	err  error
}

// NewSTS returns an [STS] that configures its clients from o. Its errors
// are prefixed with prefix.
func NewSTS(prefix string, o *config.LoadOptions) *STS {
	return &STS{prefix: prefix, options: o}
}

// AssumeRole returns a provider that assumes the role of profile with the
// credentials of source. It applies the profile's role_session_name,
// external_id, duration_seconds and mfa_serial as the SDK's
// credsFromAssumeRole does, then LoadOptions.AssumeRoleCredentialOptions;
// it reports what the SDK's chain reports for such a role, and stands for
// an stscreds.AssumeRoleProvider for aws.CredentialsCache's
// IsCredentialsProvider. The stscreds provider is built on its first
// Retrieve.
func (s *STS) AssumeRole(profile *config.SharedConfig, source *aws.CredentialsCache) aws.CredentialsProvider {
	return &assumeRole{profile: profile, source: source, sts: s}
}

// Config returns the config the STS clients are made from, loaded once
// from the load options with creds as its credentials: any cache keeps the
// SDK from resolving the profile's chain again for it, and each client
// gets its own credentials.
func (s *STS) Config(ctx context.Context, creds *aws.CredentialsCache) (aws.Config, error) {
	s.once.Do(func() {
		final := *s.options
		final.Credentials = creds
		s.cfg, s.err = config.LoadDefaultConfig(ctx, func(lo *config.LoadOptions) error {
			*lo = final
			return nil
		})
	})
	return s.cfg, s.err
}

// client returns an STS client that signs with creds, configured as the
// loaded config would configure it: region, endpoint, HTTP client, retryer
// and API options, the middleware included.
func (s *STS) client(ctx context.Context, creds *aws.CredentialsCache) (*sts.Client, error) {
	cfg, err := s.Config(ctx, creds)
	if err != nil {
		return nil, fmt.Errorf("%s: configure the STS client for AssumeRole: %w", s.prefix, err)
	}
	return sts.NewFromConfig(cfg, func(so *sts.Options) { so.Credentials = creds }), nil
}

// assumeRole assumes the role of one profile in a source_profile chain with
// the SDK's stscreds, from the credentials of the cache below it. The
// provider is built on first use, when the load options are final.
type assumeRole struct {
	profile *config.SharedConfig
	source  *aws.CredentialsCache
	sts     *STS

	once sync.Once // guards p and err
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
	client, err := a.sts.client(ctx, a.source)
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
	if fn := a.sts.options.AssumeRoleCredentialOptions; fn != nil {
		optFns = append(optFns, fn)
	}
	var check stscreds.AssumeRoleOptions
	for _, fn := range optFns {
		fn(&check)
	}
	if check.SerialNumber != nil && check.TokenProvider == nil {
		return nil, fmt.Errorf("%s: profile %q: %w", a.sts.prefix, c.Profile, config.AssumeRoleTokenProviderNotSetError{})
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
