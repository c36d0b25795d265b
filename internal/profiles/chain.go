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
	return end.CredentialProcess, runsProcess(end)
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

// runsProcess reports whether the SDK's precedence makes a profile at the
// end of a source_profile chain take its credentials from its
// credential_process.
func runsProcess(c *config.SharedConfig) bool {
	sso := c.SSOSessionName != "" || c.SSORegion != "" || c.SSOAccountID != "" || c.SSOStartURL != "" || c.SSORoleName != ""
	return c.CredentialProcess != "" && !c.Credentials.HasKeys() && c.CredentialSource == "" &&
		c.WebIdentityTokenFile == "" && !sso && c.LoginSession == ""
}

// ProcessSources returns what the SDK's chain reports to the User-Agent
// for a profile's credential_process, a new slice on each call.
func ProcessSources() []aws.CredentialSource {
	return []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}
}
