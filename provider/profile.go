package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-dcc28122/credprocess/internal/profiles"
)

// ErrProfileNotFound is wrapped by the error [CommandFromProfile] and
// [NewFromProfile] return when no shared config or credentials file defines
// the profile.
var ErrProfileNotFound = profiles.ErrNotFound

// ErrProfileCycle is wrapped by the error [CommandFromProfile],
// [NewFromProfile] and credprocess.WithProfile return when a profile's
// source_profile links lead back to a profile already in the chain before
// reaching credentials. The SDK's own loader reports such a chain as a
// source profile without credentials.
var ErrProfileCycle = profiles.ErrCycle

// ErrNoCredentialProcess is wrapped by the error [CommandFromProfile] and
// [NewFromProfile] return when the profile exists but sets no
// credential_process of its own.
var ErrNoCredentialProcess = errors.New("no credential_process")

// NewFromProfile returns [New] for the credential_process of a profile in
// the shared config files, read as [CommandFromProfile] reads it. The
// provider reports [aws.CredentialSourceProfileProcess] and
// [aws.CredentialSourceProcess] to the SDK's User-Agent, as the SDK's own
// profile chain does; optFns run after that default and may change it.
//
// The profile is read once, now: later edits to the files take effect on
// the next call. Errors wrap [ErrProfileNotFound], [ErrNoCredentialProcess],
// [ErrProfileCycle] or the SDK's shared-config error. Their text names
// profiles, keys and files, never another value from the files: where the
// SDK's message quotes one (a max_attempts value, an sso_session name, a
// role ARN), it is replaced by one naming the key, and the SDK's error is
// left for errors.As and errors.Unwrap.
func NewFromProfile(ctx context.Context, profile string, optFns ...func(*Options)) (*aws.CredentialsCache, error) {
	command, err := CommandFromProfile(ctx, profile)
	if err != nil {
		return nil, err
	}
	sources := func(o *Options) { o.CredentialSources = profiles.ProcessSources() }
	return New(command, append([]func(*Options){sources}, optFns...)...), nil
}

// CommandFromProfile returns the credential_process command line of a
// profile, read with the SDK's own loader, [config.LoadSharedConfigProfile],
// so that file locations, section names and value parsing are exactly those
// of config.LoadDefaultConfig:
//
//   - An empty profile means AWS_PROFILE, else AWS_DEFAULT_PROFILE, else
//     "default".
//   - The files are AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE when set,
//     else ~/.aws/config and ~/.aws/credentials. optFns run after that and
//     may set other files (config.LoadSharedConfigOptions.ConfigFiles and
//     CredentialsFiles); a file that cannot be read counts as empty.
//   - In the config file a profile is [profile NAME] (a bare [NAME] section
//     is ignored) and the default profile is [default]; in the credentials
//     file it is [NAME]. A value in the credentials file overrides the
//     config file's.
//
// The SDK's parser changes some values before they reach the shell:
//
//   - Quotes around the whole value are removed, so
//     credential_process = "/opt/my tool/bin" --profile "dev" runs
//     /opt/my tool/bin" --profile "dev. Leave the value unquoted, or make
//     sure it does not both start and end with the same quote character.
//   - A space or tab followed by # or ; starts a comment: everything from
//     there on is dropped, even inside quotes. Put such a line in a script.
//   - An indented line after the value is appended to it after a newline,
//     which the shell then runs as a second command.
//
// Static keys (aws_access_key_id) in the same profile are ignored here,
// although the SDK's own chain would use them instead of the command.
//
// A profile that takes its credentials from another one (source_profile
// with role_arn) has no credential_process of its own: the error wraps
// [ErrNoCredentialProcess] and names the source profile: a provider runs
// one command and assumes no role. credprocess.WithProfile takes such
// profiles, and every other kind the SDK takes.
func CommandFromProfile(ctx context.Context, profile string, optFns ...func(*config.LoadSharedConfigOptions)) (string, error) {
	if profile == "" {
		profile = profiles.EnvProfile()
	}
	sc, files, err := profiles.Load(ctx, "provider", profile, optFns...)
	switch {
	case err != nil:
		return "", err
	case sc.CredentialProcess != "":
		return sc.CredentialProcess, nil
	case sc.SourceProfileName != "":
		return "", fmt.Errorf("provider: profile %q: %w (it assumes a role with credentials from profile %q; use that profile's command)",
			profile, ErrNoCredentialProcess, sc.SourceProfileName)
	default:
		return "", fmt.Errorf("provider: profile %q: %w in %s", profile, ErrNoCredentialProcess, profiles.FileList(files))
	}
}
