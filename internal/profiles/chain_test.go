package profiles

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/google/go-cmp/cmp"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

func TestChain(t *testing.T) {
	const text = `[profile top]
role_arn = arn:aws:iam::123456789012:role/top
source_profile = mid

[profile mid]
role_arn = arn:aws:iam::123456789012:role/mid
source_profile = base

[profile base]
credential_process = run base

[profile keys]
credential_process = run keys
aws_access_key_id = AKIDKEYS
aws_secret_access_key = secret

[profile sso]
credential_process = run sso
sso_session = s

[sso-session s]
sso_region = us-east-1
sso_start_url = https://example.com/start

[profile onkeys]
role_arn = arn:aws:iam::123456789012:role/onkeys
source_profile = keys

[profile env]
role_arn = arn:aws:iam::123456789012:role/env
credential_source = Environment

[profile web]
role_arn = arn:aws:iam::123456789012:role/web
web_identity_token_file = /var/run/token

[profile login]
login_session = arn:aws:iam::123456789012:user/alice

[profile bare]
region = us-east-1

[profile onbare]
role_arn = arn:aws:iam::123456789012:role/onbare
source_profile = own

[profile own]
role_arn = arn:aws:iam::123456789012:role/own
credential_process = run own
`
	dir := proctest.TempDir(t, "profiles-test")
	configFile := filepath.Join(dir, "config")
	if err := os.WriteFile(configFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	files := func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{configFile}
		o.CredentialsFiles = []string{}
	}
	tests := []struct {
		profile     string
		wantProfile []string // the chain, top first
		wantCommand string
		wantRuns    bool
		wantRoles   []string // in the order they are assumed
		wantSource  Source
	}{
		{"base", []string{"base"}, "run base", true, nil, SourceProcess},
		{"top", []string{"top", "mid", "base"}, "run base", true, []string{"mid", "top"}, SourceProcess},
		{"keys", []string{"keys"}, "run keys", false, nil, SourceStaticKeys},
		{"sso", []string{"sso"}, "run sso", false, nil, SourceSSO},
		{"onkeys", []string{"onkeys", "keys"}, "run keys", false, []string{"onkeys"}, SourceStaticKeys},
		{"env", []string{"env"}, "", false, []string{"env"}, SourceCredentialSource},
		{"web", []string{"web"}, "", false, []string{"web"}, SourceWebIdentity},
		{"login", []string{"login"}, "", false, nil, SourceLogin},
		{"bare", []string{"bare"}, "", false, nil, SourceDefault},
		{"onbare", []string{"onbare", "own"}, "run own", true, []string{"own", "onbare"}, SourceProcess},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			chain, err := LoadChain(context.Background(), "test", tt.profile, files)
			if err != nil {
				t.Fatalf("LoadChain(%q): %v", tt.profile, err)
			}
			if diff := cmp.Diff(tt.wantProfile, names(chain)); diff != "" {
				t.Errorf("LoadChain(%q) profiles mismatch (-want +got):\n%s", tt.profile, diff)
			}
			if command, runs := chain.Process(); command != tt.wantCommand || runs != tt.wantRuns {
				t.Errorf("Process() = %q, %v; want %q, %v", command, runs, tt.wantCommand, tt.wantRuns)
			}
			if got := chain.Source(); got != tt.wantSource {
				t.Errorf("Source() = %d; want %d", got, tt.wantSource)
			}
			if diff := cmp.Diff(tt.wantRoles, names(chain.Roles())); diff != "" {
				t.Errorf("Roles() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func names(c []*config.SharedConfig) []string {
	var n []string
	for _, p := range c {
		n = append(n, p.Profile)
	}
	return n
}
