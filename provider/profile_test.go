package provider_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// sharedFiles writes a config and a credentials file into a temporary
// directory, points AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at them,
// and clears the profile variables. An empty content leaves that file
// missing.
func sharedFiles(t *testing.T, configText, credentialsText string) (configFile, credentialsFile string) {
	t.Helper()
	dir := proctest.TempDir(t, "provider-test")
	configFile, credentialsFile = filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for path, text := range map[string]string{configFile: configText, credentialsFile: credentialsText} {
		if text == "" {
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", configFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentialsFile)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_DEFAULT_PROFILE", "")
	return configFile, credentialsFile
}

func TestCommandFromProfile(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		credentials string
		profile     string
		env         map[string]string
		want        string
		wantErr     error  // a sentinel, or nil
		wantErrText string // a substring of the error, when wantErr is nil or a hint matters
	}{
		{
			name:    "named profile",
			config:  "[default]\ncredential_process = default-cmd\n\n[profile dev]\ncredential_process = dev-cmd --role admin\n",
			profile: "dev",
			want:    "dev-cmd --role admin",
		},
		{
			name:   "empty name is the default profile",
			config: "[default]\ncredential_process = default-cmd\n\n[profile dev]\ncredential_process = dev-cmd\n",
			want:   "default-cmd",
		},
		{
			name:   "empty name is AWS_PROFILE",
			config: "[default]\ncredential_process = default-cmd\n\n[profile dev]\ncredential_process = dev-cmd\n",
			env:    map[string]string{"AWS_PROFILE": "dev"},
			want:   "dev-cmd",
		},
		{
			name:   "empty name is AWS_DEFAULT_PROFILE without AWS_PROFILE",
			config: "[default]\ncredential_process = default-cmd\n\n[profile dev]\ncredential_process = dev-cmd\n",
			env:    map[string]string{"AWS_DEFAULT_PROFILE": "dev"},
			want:   "dev-cmd",
		},
		{
			name:   "AWS_PROFILE beats AWS_DEFAULT_PROFILE",
			config: "[profile a]\ncredential_process = a-cmd\n\n[profile b]\ncredential_process = b-cmd\n",
			env:    map[string]string{"AWS_PROFILE": "a", "AWS_DEFAULT_PROFILE": "b"},
			want:   "a-cmd",
		},
		{
			name:    "an explicit name beats AWS_PROFILE",
			config:  "[profile a]\ncredential_process = a-cmd\n\n[profile b]\ncredential_process = b-cmd\n",
			profile: "b",
			env:     map[string]string{"AWS_PROFILE": "a"},
			want:    "b-cmd",
		},
		{
			name:        "bare section in the config file is ignored",
			config:      "[dev]\ncredential_process = dev-cmd\n",
			profile:     "dev",
			wantErr:     provider.ErrProfileNotFound,
			wantErrText: "[profile dev]",
		},
		{
			name:        "bare section in the credentials file counts",
			credentials: "[dev]\ncredential_process = creds-file-cmd\n",
			profile:     "dev",
			want:        "creds-file-cmd",
		},
		{
			name:        "credentials file overrides the config file",
			config:      "[profile dev]\ncredential_process = config-cmd\nregion = eu-west-1\n",
			credentials: "[dev]\ncredential_process = creds-file-cmd\n",
			profile:     "dev",
			want:        "creds-file-cmd",
		},
		{
			name:        "profile prefix in the credentials file is ignored",
			credentials: "[profile dev]\ncredential_process = dev-cmd\n",
			profile:     "dev",
			wantErr:     provider.ErrProfileNotFound,
		},
		{
			name:    "missing files",
			profile: "dev",
			wantErr: provider.ErrProfileNotFound,
		},
		{
			name:        "profile without credential_process",
			config:      "[profile dev]\nregion = eu-west-1\n",
			profile:     "dev",
			wantErr:     provider.ErrNoCredentialProcess,
			wantErrText: `profile "dev": no credential_process`,
		},
		{
			name:        "role profile names its source",
			config:      "[profile base]\ncredential_process = base-cmd\n\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n",
			profile:     "dev",
			wantErr:     provider.ErrNoCredentialProcess,
			wantErrText: `profile "base"`,
		},
		{
			name:        "static keys and no command",
			credentials: "[dev]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = " + plantedSecret + "\n",
			profile:     "dev",
			wantErr:     provider.ErrNoCredentialProcess,
		},
		{
			name:        "two credential types are the SDK's error",
			config:      "[profile base]\ncredential_process = base-cmd\n\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\ncredential_process = dev-cmd\n",
			profile:     "dev",
			wantErrText: "only one credential type",
		},
		{
			name:    "trailing comment is dropped",
			config:  "[profile dev]\ncredential_process = dev-cmd --role admin ; the admin role\n",
			profile: "dev",
			want:    "dev-cmd --role admin",
		},
		{
			name:    "semicolon after a space ends the value even in quotes",
			config:  "[profile dev]\ncredential_process = sh -c 'true ; dev-cmd'\n",
			profile: "dev",
			want:    "sh -c 'true",
		},
		{
			name:    "quoted program path is kept",
			config:  "[profile dev]\ncredential_process = \"/opt/my tool/bin\" --profile dev\n",
			profile: "dev",
			want:    `"/opt/my tool/bin" --profile dev`,
		},
		{
			name:    "fully quoted value is mangled",
			config:  "[profile dev]\ncredential_process = \"/opt/my tool/bin\" --profile \"dev\"\n",
			profile: "dev",
			want:    `/opt/my tool/bin" --profile "dev`,
		},
		{
			name:    "indented line continues the value",
			config:  "[profile dev]\ncredential_process = dev-cmd\n  --role admin\n",
			profile: "dev",
			want:    "dev-cmd\n--role admin",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sharedFiles(t, tt.config, tt.credentials)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := provider.CommandFromProfile(context.Background(), tt.profile)
			if tt.wantErr == nil && tt.wantErrText == "" {
				if err != nil || got != tt.want {
					t.Fatalf("CommandFromProfile(%q) = %q, %v; want %q", tt.profile, got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("CommandFromProfile(%q) = %q, nil; want an error", tt.profile, got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("CommandFromProfile(%q) error = %v; want errors.Is %v", tt.profile, err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErrText) {
				t.Errorf("CommandFromProfile(%q) error = %v; want it to contain %q", tt.profile, err, tt.wantErrText)
			}
			if strings.Contains(err.Error(), plantedSecret) {
				t.Errorf("CommandFromProfile(%q) error holds the secret key from the credentials file: %v", tt.profile, err)
			}
		})
	}
}

// TestCommandFromProfileFiles: without AWS_CONFIG_FILE the SDK's loader
// alone would read ~/.aws; with files given through optFns only those are
// read.
func TestCommandFromProfileFiles(t *testing.T) {
	sharedFiles(t, "[profile dev]\ncredential_process = env-file-cmd\n", "")
	other := filepath.Join(proctest.TempDir(t, "provider-test"), "other-config")
	if err := os.WriteFile(other, []byte("[profile dev]\ncredential_process = option-file-cmd\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	got, err := provider.CommandFromProfile(context.Background(), "dev")
	if err != nil || got != "env-file-cmd" {
		t.Errorf("CommandFromProfile with AWS_CONFIG_FILE = %q, %v; want env-file-cmd", got, err)
	}
	got, err = provider.CommandFromProfile(context.Background(), "dev", func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{other}
	})
	if err != nil || got != "option-file-cmd" {
		t.Errorf("CommandFromProfile with ConfigFiles option = %q, %v; want option-file-cmd", got, err)
	}
	_, err = provider.CommandFromProfile(context.Background(), "dev", func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{}, []string{}
	})
	if !errors.Is(err, provider.ErrProfileNotFound) || !strings.Contains(err.Error(), "no shared config files") {
		t.Errorf("CommandFromProfile with no files: error = %v; want ErrProfileNotFound naming no files", err)
	}
}

func TestNewFromProfile(t *testing.T) {
	helper(t, helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKIDPROFILE","SecretAccessKey":"` + plantedSecret + `","Expiration":"` + farFuture + `"}`})
	// The producer is a copy of the test binary at a program path with a
	// space, which must be quoted for the shell; the value must not also
	// end with a quote.
	spaced := proctest.CopySelf(t, filepath.Join(proctest.TempDir(t, "provider-test"), "my tools"), "producer")
	sharedFiles(t, "[profile dev]\ncredential_process = \""+spaced+"\" --unused\n", "")

	creds, err := provider.NewFromProfile(context.Background(), "dev")
	if err != nil {
		t.Fatalf("NewFromProfile() error = %v", err)
	}
	got, err := creds.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	if got.AccessKeyID != "AKIDPROFILE" || got.Source != provider.ProviderName {
		t.Errorf("Retrieve() = %q from %q; want AKIDPROFILE from %q", got.AccessKeyID, got.Source, provider.ProviderName)
	}
	want := []aws.CredentialSource{aws.CredentialSourceProfileProcess, aws.CredentialSourceProcess}
	if diff := cmp.Diff(want, creds.ProviderSources()); diff != "" {
		t.Errorf("ProviderSources() mismatch (-want +got):\n%s", diff)
	}

	// Options run after the profile's default sources; a process source
	// stays last (see Options.CredentialSources).
	creds, err = provider.NewFromProfile(context.Background(), "dev", func(o *provider.Options) {
		o.CredentialSources = []aws.CredentialSource{aws.CredentialSourceCode}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]aws.CredentialSource{aws.CredentialSourceCode, aws.CredentialSourceProcess}, creds.ProviderSources()); diff != "" {
		t.Errorf("ProviderSources() with an option mismatch (-want +got):\n%s", diff)
	}

	for _, profile := range []string{"missing", "default"} {
		if creds, err := provider.NewFromProfile(context.Background(), profile); !errors.Is(err, provider.ErrProfileNotFound) || creds != nil {
			t.Errorf("NewFromProfile(%q) = %v, %v; want nil, ErrProfileNotFound", profile, creds, err)
		}
	}
}
