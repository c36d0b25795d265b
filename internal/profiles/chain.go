package profiles

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Chain is a profile and the profiles its source_profile links lead to, as
// config.LoadSharedConfigProfile resolves them: the profile first, then
// each source after the profile that names it. The last one holds the
// credentials; each other one assumes a role with those of the next.
type Chain []*config.SharedConfig

// LoadChain loads profile as [Load] does and walks its source_profile
// links. A chain that comes back to a profile already in it fails with
// [ErrCycle].
func LoadChain(ctx context.Context, prefix, profile string, optFns ...func(*config.LoadSharedConfigOptions)) (Chain, error) {
	sc, _, err := Load(ctx, prefix, profile, optFns...)
	if err != nil {
		return nil, err
	}
	c := Chain{&sc}
	for s := sc.Source; s != nil; s = s.Source {
		c = append(c, s)
	}
	return c, nil
}

// Process returns the credential_process of the chain's last profile, and
// whether the SDK's precedence makes that profile take its credentials
// from it (resolveCredsFromProfile in the SDK's config package). When it
// does not, the chain is the SDK's own to resolve.
func (c Chain) Process() (string, bool) {
	end := c[len(c)-1]
	return end.CredentialProcess, c.Source() == SourceProcess
}

// Source is where the last profile of a chain takes its credentials from.
type Source int

// The sources, in the order of the SDK's precedence (resolveCredsFromProfile
// in its config package): a profile that sets more than one uses the first.
const (
	SourceStaticKeys       Source = iota + 1 // aws_access_key_id and aws_secret_access_key
	SourceCredentialSource                   // credential_source: Environment, Ec2InstanceMetadata or EcsContainer
	SourceWebIdentity                        // web_identity_token_file
	SourceSSO                                // sso_session, or the legacy sso_* keys
	SourceLogin                              // login_session
	SourceProcess                            // credential_process
	SourceDefault                            // none of them: the container's or the instance's credentials
)

// Source returns where the chain's last profile takes its credentials
// from, as the SDK's precedence picks among the keys it sets.
func (c Chain) Source() Source {
	end := c[len(c)-1]
	sso := end.SSOSessionName != "" || end.SSORegion != "" || end.SSOAccountID != "" || end.SSOStartURL != "" || end.SSORoleName != ""
	switch {
	case end.Credentials.HasKeys():
		return SourceStaticKeys
	case end.CredentialSource != "":
		return SourceCredentialSource
	case end.WebIdentityTokenFile != "":
		return SourceWebIdentity
	case sso:
		return SourceSSO
	case end.LoginSession != "":
		return SourceLogin
	case end.CredentialProcess != "":
		return SourceProcess
	}
	return SourceDefault
}

// Roles returns the profiles of the chain that set role_arn, in the order
// their roles are assumed: from the end of the chain up, each with the
// credentials of the one before.
func (c Chain) Roles() []*config.SharedConfig {
	var roles []*config.SharedConfig
	for _, p := range slices.Backward(c) {
		if p.RoleARN != "" {
			roles = append(roles, p)
		}
	}
	return roles
}

// ProcessSources returns what the SDK's chain reports to the User-Agent
// for a profile's credential_process, a new slice on each call.
func ProcessSources() []aws.CredentialSource {
	return []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}
}
