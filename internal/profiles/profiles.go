// Package profiles reads shared config profiles as the SDK does, for
// provider.NewFromProfile, provider.CommandFromProfile and
// credprocess.WithProfile. It loads a profile with the SDK's own loader and
// the file rules of config.LoadDefaultConfig, turning the loader's errors
// into ones that name the profile and the files searched and quote no value
// from the files ([Load]); walks its source_profile chain and tells whether
// the chain ends in a credential_process the SDK would run ([Chain]); and
// assumes the chain's roles as the SDK's chain does ([STS]).
//
// It must not import the module's provider or middleware packages: they
// build on it.
package profiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// ErrNotFound is wrapped when no file defines the profile.
var ErrNotFound = errors.New("profile not found")

// ErrCycle is wrapped when the source_profile links of a profile come back
// to a profile already in the chain before reaching credentials.
var ErrCycle = errors.New("source_profile cycle")

// Load returns the profile as config.LoadSharedConfigProfile resolves it,
// source_profile chain included, and the files it searched. An empty
// profile means [EnvProfile]. The files are AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE when set, else the SDK's defaults; optFns run
// after that and may set others. Errors are prefixed with prefix; their
// text names profiles, keys and files but no other value from the files,
// and the SDK's error, whose text can, stays reachable with errors.As and
// errors.Unwrap.
func Load(ctx context.Context, prefix, profile string, optFns ...func(*config.LoadSharedConfigOptions)) (config.SharedConfig, []string, error) {
	if profile == "" {
		profile = EnvProfile()
	}
	// LoadSharedConfigProfile reads only ~/.aws unless told otherwise: the
	// environment variables are config.LoadDefaultConfig's to apply.
	var opts config.LoadSharedConfigOptions
	if f := os.Getenv("AWS_CONFIG_FILE"); f != "" {
		opts.ConfigFiles = []string{f}
	}
	if f := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		opts.CredentialsFiles = []string{f}
	}
	for _, fn := range optFns {
		if fn != nil {
			fn(&opts)
		}
	}
	// As LoadSharedConfigProfile does, nil means the default file and an
	// empty slice means none.
	if opts.ConfigFiles == nil {
		opts.ConfigFiles = config.DefaultSharedConfigFiles
	}
	if opts.CredentialsFiles == nil {
		opts.CredentialsFiles = config.DefaultSharedCredentialsFiles
	}
	files := append(append([]string(nil), opts.ConfigFiles...), opts.CredentialsFiles...)
	load := func(name string) (config.SharedConfig, error) {
		return config.LoadSharedConfigProfile(ctx, name, func(o *config.LoadSharedConfigOptions) { *o = opts })
	}

	sc, err := load(profile)
	var notExist config.SharedConfigProfileNotExistError
	var noSource config.SharedConfigAssumeRoleError
	switch {
	case errors.As(err, &notExist) && notExist.Profile == profile:
		section := "profile " + profile
		if profile == config.DefaultSharedConfigProfile {
			section = profile
		}
		return sc, files, fmt.Errorf("%s: %w: %q in %s (the config file names it [%s], the credentials file [%s])",
			prefix, ErrNotFound, profile, FileList(files), section, profile)
	case errors.As(err, &noSource) && noSource.Err == nil && inCycle(load, noSource.Profile):
		// The SDK reports a cycle as a source profile without credentials,
		// since it clears the links of a profile it meets the second time.
		return sc, files, fmt.Errorf("%s: profile %q: %w: the source_profile links lead back to profile %q without reaching credentials",
			prefix, profile, ErrCycle, noSource.Profile)
	case err != nil:
		return sc, files, fmt.Errorf("%s: profile %q in %s: %w", prefix, profile, FileList(files), &loaderError{reason(err), err})
	}
	return sc, files, nil
}

// loaderError is an error of the SDK's shared config loader, whose text
// quotes values from the files (an sso_session name, a max_attempts value,
// a role ARN, a line that continues a value) and so could show a secret
// written in the wrong place. Its text names the key or profile at fault
// instead; Unwrap returns the SDK's error, for errors.As and errors.Is, but
// its text is never part of Error.
type loaderError struct {
	reason string
	err    error
}

func (e *loaderError) Error() string { return e.reason }
func (e *loaderError) Unwrap() error { return e.err }

// failedKey finds the key the SDK names in "failed to load KEY from shared
// config, ...": a key name of its own, before the value it quotes.
var failedKey = regexp.MustCompile(`failed to load ([a-z0-9_]+) from shared config`)

// onlyOneType is the SDK's whole message for a profile with more than one
// kind of credentials; it quotes nothing from the files.
const onlyOneType = "only one credential type may be specified per profile: source profile, credential source, credential process, web identity token"

// reason says what is wrong in err, an error of the SDK's loader, with no
// value from the files: only keys, profile names and file names.
func reason(err error) string {
	var (
		readErr  config.SharedConfigLoadError
		assume   config.SharedConfigAssumeRoleError
		needsARN config.CredentialRequiresARNError
		notExist config.SharedConfigProfileNotExistError
	)
	switch {
	case errors.As(err, &readErr):
		return "cannot read " + readErr.Filename
	case errors.As(err, &assume) && errors.As(assume.Err, &notExist):
		return fmt.Sprintf("source_profile names profile %q, which no file defines", assume.Profile)
	case errors.As(err, &assume) && assume.Err == nil:
		return fmt.Sprintf("source_profile names profile %q, which has no credentials", assume.Profile)
	case errors.As(err, &assume):
		return fmt.Sprintf("source profile %q: %s", assume.Profile, reason(assume.Err))
	case errors.As(err, &needsARN):
		return fmt.Sprintf("%s requires role_arn in profile %q", needsARN.Type, needsARN.Profile)
	case errors.As(err, &notExist):
		return fmt.Sprintf("profile %q not found", notExist.Profile)
	}
	msg := err.Error()
	switch m := failedKey.FindStringSubmatch(msg); {
	case m != nil:
		return "invalid " + m[1] + " value"
	case strings.HasPrefix(msg, "failed to find SSO session section"):
		return "sso_session names no [sso-session] section"
	case msg == onlyOneType:
		return msg // quotes nothing
	}
	return "the SDK's loader rejected the files (its message, which can quote them, is left out: errors.Unwrap returns it)"
}

// inCycle reports whether profile, loaded on its own, comes back to itself:
// a profile outside a cycle that merely has no credentials loads fine.
func inCycle(load func(string) (config.SharedConfig, error), profile string) bool {
	_, err := load(profile)
	var noSource config.SharedConfigAssumeRoleError
	return errors.As(err, &noSource) && noSource.Err == nil && noSource.Profile == profile
}

// EnvProfile returns the profile the SDK uses when none is given:
// AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
func EnvProfile() string {
	for _, name := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return config.DefaultSharedConfigProfile
}

// FileList names files for an error message.
func FileList(files []string) string {
	if len(files) == 0 {
		return "no shared config files"
	}
	return strings.Join(files, " or ")
}
