package credprocess_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestWithProfileAssumeRole: a role assumed on top of a credential_process
// is assumed with the SDK's stscreds, from credentials credprocess runs
// and caches; a rejection of either set refreshes the cache that served it.
func TestWithProfileAssumeRole(t *testing.T) {
	srv, cfg, runs := chainSetup(t, "hop1")
	proc1, _, _ := rotateKey(1)

	if got, want := callerARN(t, cfg), "arn:aws:sts::123456789012:assumed-role/app/hop1-session"; got != want {
		t.Errorf("caller = %q; want %q", got, want)
	}
	callerARN(t, cfg)
	role1 := minted(t, srv, 1)
	expectTrace(t, srv, []string{"AssumeRole " + proc1, "GetCallerIdentity " + role1, "GetCallerIdentity " + role1}, runs, 1)
	if r := srv.AssumedRoles()[0]; r.ExternalID != "ext-42" || r.SessionName != "hop1-session" {
		t.Errorf("AssumeRole had external id %q, session %q; want ext-42, hop1-session from the profile", r.ExternalID, r.SessionName)
	}
	src, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if src.Source != stscreds.ProviderName {
		t.Errorf("Source = %q; want %q", src.Source, stscreds.ProviderName)
	}
	if cache := cfg.Credentials.(*aws.CredentialsCache); !cache.IsCredentialsProvider((*stscreds.AssumeRoleProvider)(nil)) {
		t.Error("the config's cache does not report an stscreds.AssumeRoleProvider")
	}

	// The role's set expires: the role is assumed again with the process
	// credentials still held, and the request replayed.
	srv.Expire(role1)
	callerARN(t, cfg)
	role2 := minted(t, srv, 2)
	expectTrace(t, srv, []string{"GetCallerIdentity " + role1 + " ExpiredToken", "AssumeRole " + proc1, "GetCallerIdentity " + role2}, runs, 1)

	// Both expire: STS rejects the process credentials, the command runs
	// again, AssumeRole and then the request are replayed.
	srv.Expire(role2)
	srv.Expire(proc1)
	callerARN(t, cfg)
	proc2, _, _ := rotateKey(2)
	role3 := minted(t, srv, 3)
	want := []string{
		"GetCallerIdentity " + role2 + " ExpiredToken",
		"AssumeRole " + proc1 + " ExpiredToken",
		"AssumeRole " + proc2,
		"GetCallerIdentity " + role3,
	}
	expectTrace(t, srv, want, runs, 2)
}

// TestWithProfileOwnProcess: a profile may assume its role with the
// credentials of its own credential_process, without source_profile.
func TestWithProfileOwnProcess(t *testing.T) {
	srv, cfg, runs := chainSetup(t, "own")
	proc1, _, _ := rotateKey(1)
	if got, want := callerARN(t, cfg), "arn:aws:sts::123456789012:assumed-role/mid/own-session"; got != want {
		t.Errorf("caller = %q; want %q", got, want)
	}
	expectTrace(t, srv, []string{"AssumeRole " + proc1, "GetCallerIdentity " + minted(t, srv, 1)}, runs, 1)
}

// TestWithProfileTwoHops: app assumes a role with credentials of a role
// assumed with the process credentials.
func TestWithProfileTwoHops(t *testing.T) {
	srv, cfg, runs := chainSetup(t, "app")
	proc1, _, _ := rotateKey(1)

	if got, want := callerARN(t, cfg), "arn:aws:sts::123456789012:assumed-role/app/app-session"; got != want {
		t.Errorf("caller = %q; want %q", got, want)
	}
	roles := srv.AssumedRoles()
	if len(roles) != 2 {
		t.Fatalf("STS minted %d sets; want 2", len(roles))
	}
	if roles[0].RoleARN != midRole || roles[0].Caller != proc1 || roles[1].RoleARN != appRole || roles[1].Caller != roles[0].AccessKeyID {
		t.Errorf("AssumeRole calls = %+v; want mid by the process key, then app by mid's key", roles)
	}
	// The top role expires: only the top hop is assumed again.
	srv.Reset()
	srv.Expire(roles[1].AccessKeyID)
	callerARN(t, cfg)
	expectTrace(t, srv, []string{"GetCallerIdentity " + roles[1].AccessKeyID + " ExpiredToken", "AssumeRole " + roles[0].AccessKeyID, "GetCallerIdentity " + minted(t, srv, 3)}, runs, 1)
}

// TestWithProfileSDKProviders: a profile without a credential_process in its
// chain gets the SDK's own providers, exactly as
// config.WithSharedConfigProfile would.
func TestWithProfileSDKProviders(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDSTATICPROFILE", "static-secret", "")
	srv.Allow("AKIDENVSOURCE", "env-secret", "")
	writeConfig(t, `[profile static]
aws_access_key_id = AKIDSTATICPROFILE
aws_secret_access_key = static-secret

[profile fromenv]
role_arn = `+appRole+`
role_session_name = env-session
credential_source = Environment

[profile sso]
sso_account_id = 123456789012
sso_role_name = reader
sso_region = us-east-1
sso_start_url = https://example.awsapps.com/start
`)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENVSOURCE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

	t.Run("static keys", func(t *testing.T) {
		cfg := loadProfile(t, srv, "static")
		if got, want := callerARN(t, cfg), "arn:aws:iam::123456789012:user/AKIDSTATICPROFILE"; got != want {
			t.Errorf("caller = %q; want %q", got, want)
		}
		c, _ := cfg.Credentials.Retrieve(context.Background())
		// The SDK names static keys from a profile after the file.
		if !strings.HasPrefix(c.Source, "SharedConfigCredentials") {
			t.Errorf("Source = %q; want the SDK's SharedConfigCredentials", c.Source)
		}
	})
	t.Run("credential_source", func(t *testing.T) {
		srv.Reset()
		cfg := loadProfile(t, srv, "fromenv")
		if got, want := callerARN(t, cfg), "arn:aws:sts::123456789012:assumed-role/app/env-session"; got != want {
			t.Errorf("caller = %q; want %q", got, want)
		}
		if diff := cmp.Diff([]string{"AssumeRole AKIDENVSOURCE", "GetCallerIdentity " + minted(t, srv, 1)}, trace(srv)); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("sso", func(t *testing.T) {
		cfg := loadProfile(t, srv, "sso")
		cache, ok := cfg.Credentials.(*aws.CredentialsCache)
		if !ok || !cache.IsCredentialsProvider((*ssocreds.Provider)(nil)) {
			t.Errorf("Credentials = %T; want the SDK's cache around ssocreds", cfg.Credentials)
		}
	})
}

func TestWithProfileCycle(t *testing.T) {
	role := func(name, source string) string {
		return "[profile " + name + "]\nrole_arn = " + appRole + "\nsource_profile = " + source + "\n"
	}
	writeConfig(t, role("a", "b")+role("b", "a")+role("self", "self")+role("empty", "regiononly")+
		"[profile regiononly]\nregion = us-east-1\n")
	for _, profile := range []string{"a", "b", "self"} {
		_, err := config.LoadDefaultConfig(context.Background(), credprocess.WithProfile(profile))
		if !errors.Is(err, provider.ErrProfileCycle) || !strings.Contains(err.Error(), `"`+profile+`"`) {
			t.Errorf("WithProfile(%q): error %v; want errors.Is ErrProfileCycle, naming the profile", profile, err)
		}
	}
	_, err := config.LoadDefaultConfig(context.Background(), credprocess.WithProfile("empty"))
	if err == nil || errors.Is(err, provider.ErrProfileCycle) {
		t.Errorf("WithProfile(empty): error %v; want the SDK's error for a source without credentials, not a cycle", err)
	}
}

// TestWithProfileOrder: WithProfile and config.WithSharedConfigProfile in
// either order either agree or fail, naming both profiles; credentials of
// one profile never go with the settings of another.
func TestWithProfileOrder(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	command, _ := rotateCommand(t, true)
	text := "[default]\ncredential_process = " + command + "\n[profile dev]\ncredential_process = " + command + "\n"
	writeConfig(t, text)
	other := filepath.Join(proctest.TempDir(t, "config"), "other-config")
	if err := os.WriteFile(other, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.Allow(rotateKey(1))
	tests := []struct {
		name    string
		opts    []func(*config.LoadOptions) error
		wantErr []string // substrings; nil for success
	}{
		{"profile option first", []func(*config.LoadOptions) error{config.WithSharedConfigProfile("dev"), credprocess.WithProfile("")}, nil},
		{"empty WithProfile first", []func(*config.LoadOptions) error{credprocess.WithProfile(""), config.WithSharedConfigProfile("dev")}, []string{`"default"`, `"dev"`}},
		{"named WithProfile first", []func(*config.LoadOptions) error{credprocess.WithProfile("default"), config.WithSharedConfigProfile("dev")}, []string{`"default"`, `"dev"`}},
		{"files after WithProfile", []func(*config.LoadOptions) error{credprocess.WithProfile("dev"), config.WithSharedConfigFiles([]string{other})}, []string{`"dev"`, "files"}},
		{"files before WithProfile", []func(*config.LoadOptions) error{config.WithSharedConfigFiles([]string{other}), credprocess.WithProfile("dev")}, nil},
		{"same profile", []func(*config.LoadOptions) error{credprocess.WithProfile("dev"), config.WithSharedConfigProfile("dev")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]func(*config.LoadOptions) error{config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL())}, tt.opts...)
			cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
			if err == nil {
				_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v; want success", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("success; want an error naming %v", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %s", err, s)
				}
			}
		})
	}
}

// TestWithProfileAssumeRoleConcurrent: many first calls at once run the
// command once and assume the role once.
func TestWithProfileAssumeRoleConcurrent(t *testing.T) {
	srv, cfg, runs := chainSetup(t, "hop1")
	client := sts.NewFromConfig(cfg)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(srv.AssumedRoles()); n != 1 {
		t.Errorf("AssumeRole ran %d times; want 1", n)
	}
	if n := runs(); n != 1 {
		t.Errorf("command runs = %d; want 1", n)
	}
}

// TestWithProfileMFA: a role with mfa_serial needs a token provider, as in
// the SDK; with one, the role is assumed.
func TestWithProfileMFA(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	command, _ := rotateCommand(t, false)
	writeConfig(t, "[profile mfa]\nrole_arn = "+appRole+"\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\nsource_profile = broker\n"+
		"[profile broker]\ncredential_process = "+command+"\n")
	srv.Allow(rotateKey(1))

	cfg := loadProfile(t, srv, "mfa")
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var notSet config.AssumeRoleTokenProviderNotSetError
	if !errors.As(err, &notSet) || !strings.Contains(err.Error(), `"mfa"`) {
		t.Errorf("without a token provider: %v; want AssumeRoleTokenProviderNotSetError naming the profile", err)
	}

	cfg = loadProfile(t, srv, "mfa", config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
		o.TokenProvider = func() (string, error) { return "123456", nil }
	}))
	if got, want := callerARN(t, cfg), "arn:aws:sts::123456789012:assumed-role/app/"; !strings.HasPrefix(got, want) {
		t.Errorf("caller = %q; want the role %s...", got, want)
	}
}
