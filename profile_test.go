package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestWithProfileWhichWins: WithProfile replaces the SDK's own processcreds
// for the same profile and environment keys; among explicit credentials
// options the later one wins.
func TestWithProfileWhichWins(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	for _, akid := range []string{"AKIDPROFILE", "AKIDSTATIC", "AKIDENV"} {
		srv.Allow(akid, akid+"-secret", akid+"-token")
	}
	static := credentials.NewStaticCredentialsProvider("AKIDSTATIC", "AKIDSTATIC-secret", "AKIDSTATIC-token")

	tests := []struct {
		name       string
		env        map[string]string
		opts       []func(*config.LoadOptions) error
		wantKey    string
		wantSource string
		wantRuns   int
	}{
		{
			name:       "the SDK alone runs the profile with processcreds",
			env:        map[string]string{"AWS_PROFILE": "dev"},
			wantKey:    "AKIDPROFILE",
			wantSource: processcreds.ProviderName,
			wantRuns:   1,
		},
		{
			name:       "WithProfile replaces processcreds",
			env:        map[string]string{"AWS_PROFILE": "dev"},
			opts:       []func(*config.LoadOptions) error{credprocess.WithProfile("")},
			wantKey:    "AKIDPROFILE",
			wantSource: provider.ProviderName,
			wantRuns:   1,
		},
		{
			name: "WithProfile beats environment keys",
			env: map[string]string{
				"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "AKIDENV-secret", "AWS_SESSION_TOKEN": "AKIDENV-token",
			},
			opts:       []func(*config.LoadOptions) error{credprocess.WithProfile("dev")},
			wantKey:    "AKIDPROFILE",
			wantSource: provider.ProviderName,
			wantRuns:   1,
		},
		{
			name:       "a later WithCredentialsProvider wins",
			opts:       []func(*config.LoadOptions) error{credprocess.WithProfile("dev"), config.WithCredentialsProvider(static)},
			wantKey:    "AKIDSTATIC",
			wantSource: credentials.StaticCredentialsName,
			wantRuns:   0,
		},
		{
			name:       "a later WithProfile wins",
			opts:       []func(*config.LoadOptions) error{config.WithCredentialsProvider(static), credprocess.WithProfile("dev")},
			wantKey:    "AKIDPROFILE",
			wantSource: provider.ProviderName,
			wantRuns:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count := filepath.Join(proctest.TempDir(t, "producer"), "runs")
			// The region comes from the profile: WithProfile selects it for
			// the rest of the config too.
			writeConfig(t, "[profile dev]\nregion = "+awstest.Region+"\ncredential_process = "+producerLine("AKIDPROFILE", count)+"\n")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			opts := append([]func(*config.LoadOptions) error{config.WithBaseEndpoint(srv.URL())}, tt.opts...)
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err != nil {
				t.Fatalf("LoadDefaultConfig: %v", err)
			}
			if cfg.Region != awstest.Region {
				t.Errorf("Region = %q; want %q from the profile", cfg.Region, awstest.Region)
			}
			if got := signedBy(t, srv, cfg); got != tt.wantKey {
				t.Errorf("request signed by %q; want %q", got, tt.wantKey)
			}
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if creds.Source != tt.wantSource {
				t.Errorf("credentials Source = %q; want %q", creds.Source, tt.wantSource)
			}
			if got := proctest.Runs(t, count); got != tt.wantRuns {
				t.Errorf("profile's command ran %d times; want %d", got, tt.wantRuns)
			}
		})
	}
}

// TestWithProfileReplays: the middleware WithProfile installs replays a
// rejected request with the next key the profile's command prints.
func TestWithProfileReplays(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	command, runs := rotateCommand(t, false)
	writeConfig(t, "[profile rotating]\ncredential_process = "+command+"\n")
	first, _, _ := rotateKey(1)
	second, _, _ := rotateKey(2)
	srv.Allow(rotateKey(1))
	srv.Allow(rotateKey(2))
	srv.Expire(first)

	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL()), credprocess.WithProfile("rotating"))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	_, err = sts.NewFromConfig(pointAt(cfg, srv)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, r.AccessKeyID+" "+r.ErrorCode)
	}
	if diff := cmp.Diff([]string{first + " ExpiredToken", second + " "}, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := runs(); n != 2 {
		t.Errorf("command runs = %d; want 2", n)
	}
}

func TestWithProfileErrors(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		profile string
		want    error
	}{
		{"missing profile", "[profile other]\ncredential_process = true\n", "dev", provider.ErrProfileNotFound},
		{"bare section", "[dev]\ncredential_process = true\n", "dev", provider.ErrProfileNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeConfig(t, tt.config)
			_, err := config.LoadDefaultConfig(context.Background(), credprocess.WithProfile(tt.profile))
			if !errors.Is(err, tt.want) {
				t.Errorf("LoadDefaultConfig(WithProfile(%q)) error = %v; want errors.Is %v", tt.profile, err, tt.want)
			}
		})
	}
}

// TestWithProfileErrorsQuoteNoValue: a profile the SDK's loader rejects,
// with a message quoting the faulty value, fails the load with an error
// that names the key or profile instead and still reaches the SDK's error
// with errors.As; provider.CommandFromProfile says the same.
func TestWithProfileErrorsQuoteNoValue(t *testing.T) {
	const planted = "pLaNtEdVaLuE-7f3e"
	tests := []struct {
		name   string
		config string
		want   string
		as     func(error) bool
	}{
		{"max_attempts", "[profile dev]\ncredential_process = true\nmax_attempts = " + planted + "\n", "invalid max_attempts value", nil},
		{"sso_session", "[profile dev]\nsso_session = " + planted + "\nsso_account_id = 123456789012\nsso_role_name = r\n",
			"sso_session names no [sso-session] section", nil},
		{"role_arn with a missing source", "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/" + planted + "\nsource_profile = nowhere\n",
			`source_profile names profile "nowhere", which no file defines`,
			func(err error) bool { var e config.SharedConfigAssumeRoleError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeConfig(t, tt.config)
			_, loadErr := config.LoadDefaultConfig(context.Background(), credprocess.WithProfile("dev"))
			_, cmdErr := provider.CommandFromProfile(context.Background(), "dev")
			for _, err := range []error{loadErr, cmdErr} {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error = %v; want one saying %q", err, tt.want)
				}
				for _, verb := range allVerbs {
					if s := fmt.Sprintf(verb, err); strings.Contains(s, planted) {
						t.Errorf("Sprintf(%q, err) quotes the file: %s", verb, s)
					}
				}
				if tt.as != nil && !tt.as(err) {
					t.Errorf("error = %v; errors.As does not find the SDK's error", err)
				}
			}
		})
	}
}

// TestWithProfileLoadOptions: files and profile set by earlier options in
// the same load are the ones read, as the SDK reads them.
func TestWithProfileLoadOptions(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDENVFILE", "AKIDENVFILE-secret", "AKIDENVFILE-token")
	srv.Allow("AKIDOPTFILE", "AKIDOPTFILE-secret", "AKIDOPTFILE-token")
	dir := proctest.TempDir(t, "config")
	writeConfig(t, "[profile dev]\ncredential_process = "+producerLine("AKIDENVFILE", filepath.Join(dir, "env-runs"))+"\n")
	optFile := filepath.Join(dir, "option-config")
	if err := os.WriteFile(optFile, []byte("[profile dev]\ncredential_process = "+producerLine("AKIDOPTFILE", filepath.Join(dir, "opt-runs"))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		opts []func(*config.LoadOptions) error
		want string
	}{
		{"AWS_CONFIG_FILE", []func(*config.LoadOptions) error{credprocess.WithProfile("dev")}, "AKIDENVFILE"},
		{
			"WithSharedConfigFiles before",
			[]func(*config.LoadOptions) error{config.WithSharedConfigFiles([]string{optFile}), credprocess.WithProfile("dev")},
			"AKIDOPTFILE",
		},
		{
			"WithSharedConfigProfile before an empty name",
			[]func(*config.LoadOptions) error{config.WithSharedConfigProfile("dev"), credprocess.WithProfile("")},
			"AKIDENVFILE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]func(*config.LoadOptions) error{config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL())}, tt.opts...)
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err != nil {
				t.Fatalf("LoadDefaultConfig: %v", err)
			}
			if got := signedBy(t, srv, cfg); got != tt.want {
				t.Errorf("request signed by %q; want %q", got, tt.want)
			}
		})
	}
}
