package profiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// planted is written into the files as the faulty value, and secret as a
// secret key beside it: neither may show in an error.
const (
	planted = "pLaNtEdVaLuE-7f3e"
	secret  = "pLaNtEdSeCrEt/KEY+0123456789abcdefghijkl"
)

// TestLoadErrorsQuoteNoValue loads profiles that the SDK's loader rejects
// with messages quoting the faulty value. The error must name the key and
// the files instead, hold no value from the files under any verb, and
// still let errors.As and errors.Is reach the SDK's error.
func TestLoadErrorsQuoteNoValue(t *testing.T) {
	creds := "aws_access_key_id = AKIDPROFILE\naws_secret_access_key = " + secret + "\n"
	tests := []struct {
		name   string
		config string
		want   string           // in the message
		as     func(error) bool // the SDK error errors.As must find, if any
	}{
		{name: "sso_session without its section",
			config: "[profile p]\nsso_session = " + planted + "\nsso_account_id = 123456789012\nsso_role_name = r\n",
			want:   "sso_session names no [sso-session] section"},
		{name: "max_attempts not a number", config: "[profile p]\ncredential_process = x\nmax_attempts = " + planted + "\n",
			want: "invalid max_attempts"},
		{name: "max_attempts with a continuation line", config: "[profile p]\ncredential_process = x\nmax_attempts = 3\n  " + planted + "\n",
			want: "invalid max_attempts"},
		{name: "retry_mode", config: "[profile p]\nretry_mode = " + planted + "\n", want: "invalid retry_mode"},
		{name: "defaults_mode", config: "[profile p]\ndefaults_mode = " + planted + "\n", want: "invalid defaults_mode"},
		{name: "disable_request_compression", config: "[profile p]\ndisable_request_compression = " + planted + "\n",
			want: "invalid disable_request_compression"},
		{name: "request_min_compression_size_bytes", config: "[profile p]\nrequest_min_compression_size_bytes = " + planted + "\n",
			want: "invalid request_min_compression_size_bytes"},
		{name: "account_id_endpoint_mode", config: "[profile p]\naccount_id_endpoint_mode = " + planted + "\n",
			want: "invalid account_id_endpoint_mode"},
		{name: "request_checksum_calculation", config: "[profile p]\nrequest_checksum_calculation = " + planted + "\n",
			want: "invalid request_checksum_calculation"},
		{name: "response_checksum_validation", config: "[profile p]\nresponse_checksum_validation = " + planted + "\n",
			want: "invalid response_checksum_validation"},
		{name: "source_profile that no file defines", config: "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/" + planted + "\nsource_profile = nowhere\n",
			want: `source_profile names profile "nowhere", which no file defines`,
			as:   func(err error) bool { var e config.SharedConfigAssumeRoleError; return errors.As(err, &e) }},
		{name: "source profile without credentials", config: "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/" + planted + "\nsource_profile = q\n[profile q]\nregion = " + planted + "\n",
			want: `source_profile names profile "q", which has no credentials`,
			as:   func(err error) bool { var e config.SharedConfigAssumeRoleError; return errors.As(err, &e) }},
		{name: "credential_source without role_arn", config: "[profile p]\ncredential_source = " + planted + "\n",
			want: `credential_source requires role_arn in profile "p"`,
			as:   func(err error) bool { var e config.CredentialRequiresARNError; return errors.As(err, &e) }},
		{name: "config file that cannot be read", config: "", want: "cannot read "},
		{name: "two credential types", config: "[profile p]\nrole_arn = arn:aws:iam::123456789012:role/" + planted +
			"\ncredential_source = Ec2InstanceMetadata\nsource_profile = q\n[profile q]\ncredential_process = " + planted + "\n",
			want: "only one credential type may be specified per profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := proctest.TempDir(t, "profiles-test")
			cfg, cred := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
			for file, text := range map[string]string{cfg: tt.config, cred: "[p]\n" + creds} {
				if text == "" {
					// A directory where the file should be.
					if err := os.Mkdir(file, 0o700); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			// What the SDK's loader says on its own, to make sure the row
			// is one whose message quotes the value.
			_, sdkErr := config.LoadSharedConfigProfile(context.Background(), "p", func(o *config.LoadSharedConfigOptions) {
				o.ConfigFiles, o.CredentialsFiles = []string{cfg}, []string{cred}
			})
			_, _, err := Load(context.Background(), "provider", "p", func(o *config.LoadSharedConfigOptions) {
				o.ConfigFiles, o.CredentialsFiles = []string{cfg}, []string{cred}
			})
			if err == nil {
				t.Fatalf("Load() = nil error; want one (the SDK says %v)", sdkErr)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				s := fmt.Sprintf(verb, err)
				for _, v := range []string{planted, secret, "AKIDPROFILE"} {
					if strings.Contains(s, v) {
						t.Errorf("Sprintf(%q, err) holds %q from the files: %s", verb, v, s)
					}
				}
			}
			if want := `provider: profile "p" in ` + cfg + " or " + cred + ": " + tt.want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Load() error = %q; want it to start %q", err, want)
			}
			if tt.as != nil && !tt.as(err) {
				t.Errorf("Load() error = %v; errors.As does not find the SDK's error", err)
			}
			if inner := errors.Unwrap(errors.Unwrap(err)); inner == nil || sdkErr == nil || inner.Error() != sdkErr.Error() {
				t.Errorf("Load() error = %v unwraps to %v; want the SDK's error, %v", err, inner, sdkErr)
			}
		})
	}
}

func TestEnvProfile(t *testing.T) {
	tests := []struct {
		name, profile, defaultProfile, want string
	}{
		{"neither", "", "", "default"},
		{"AWS_PROFILE", "a", "", "a"},
		{"AWS_DEFAULT_PROFILE", "", "b", "b"},
		{"both", "a", "b", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_PROFILE", tt.profile)
			t.Setenv("AWS_DEFAULT_PROFILE", tt.defaultProfile)
			if got := EnvProfile(); got != tt.want {
				t.Errorf("EnvProfile() = %q; want %q", got, tt.want)
			}
		})
	}
}
