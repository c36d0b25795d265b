package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

const (
	appRole    = "arn:aws:iam::123456789012:role/app"
	midRole    = "arn:aws:iam::123456789012:role/mid"
	helperKey  = "ASIAHELPERKEY0000001"
	staticKey  = "AKIDSTATICPROFILE1"
	mfaSerial  = "arn:aws:iam::123456789012:mfa/alice"
	badRoleARN = "arn:aws:iam::123456789012:role/no spaces allowed"
)

// chainConfig is a config file in which app assumes a role with the
// credentials of mid, mid one with those of broker, and broker runs
// command; the other profiles end in other credentials, or reach STS
// otherwise. endpoint is where viaprofile and viaservices send STS calls.
func chainConfig(command, endpoint string) string {
	return `[profile app]
role_arn = ` + appRole + `
role_session_name = app-session
source_profile = mid
region = us-east-1

[profile mid]
role_arn = ` + midRole + `
role_session_name = mid-session
external_id = ext-42
source_profile = broker

[profile broker]
credential_process = ` + command + `
region = us-east-1

[profile own]
role_arn = ` + midRole + `
role_session_name = own-session
credential_process = ` + command + `
region = us-east-1

[profile generated]
role_arn = ` + appRole + `
source_profile = broker
region = us-east-1

[profile badrole]
role_arn = ` + badRoleARN + `
role_session_name = bad-session
source_profile = mid
region = us-east-1

[profile mfa]
role_arn = ` + appRole + `
role_session_name = mfa-session
mfa_serial = ` + mfaSerial + `
source_profile = broker
region = us-east-1

[profile noregion]
role_arn = ` + appRole + `
source_profile = broker

[profile viaprofile]
role_arn = ` + appRole + `
role_session_name = viaprofile
source_profile = broker
region = us-east-1
endpoint_url = ` + endpoint + `

[profile viaservices]
role_arn = ` + appRole + `
role_session_name = viaservices
source_profile = broker
region = us-east-1
services = local

[services local]
sts =
  endpoint_url = ` + endpoint + `

[profile keys]
credential_process = ` + command + `
aws_access_key_id = ` + staticKey + `
aws_secret_access_key = ` + plantedSecret + `

[profile keyed]
role_arn = ` + appRole + `
source_profile = mid2

[profile mid2]
role_arn = ` + midRole + `
source_profile = keys

[profile fromenv]
role_arn = ` + appRole + `
credential_source = Environment

[profile sso]
sso_account_id = 123456789012
sso_role_name = reader
sso_region = us-east-1
sso_start_url = https://example.awsapps.com/start

[profile bare]
region = us-east-1
`
}

// chainSetup starts an endpoint that accepts the helper's key, writes
// chainConfig with the test binary as the command, and points the
// environment at both: AWS_ENDPOINT_URL_STS at the endpoint unless
// stsEnv is false.
func chainSetup(t *testing.T, stsEnv bool) *awstest.Server {
	t.Helper()
	srv := awstest.New()
	t.Cleanup(srv.Close)
	srv.Allow(helperKey, plantedSecret, plantedToken)
	exe := helper(t, "creds", "KEY", helperKey)
	dir := proctest.TempDir(t, "check-chain")
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(chainConfig(quoted(exe)+" --role "+plantedArg, srv.URL())), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_ENDPOINT_URL_STS", "")
	if stsEnv {
		t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL())
	}
	return srv
}

// statuses is one letter per check: p pass, f fail, s skip.
func statuses(r *report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		b.WriteByte(c.Status[0])
	}
	return b.String()
}

// TestCheckChain: check --profile follows the source_profile chain as the
// SDK resolves it, runs the command at its end, and names the SDK's
// provider when the chain ends in other credentials. Without --assume,
// nothing calls AWS.
func TestCheckChain(t *testing.T) {
	srv := chainSetup(t, true)
	exe, _ := os.Executable()
	process := hop{Profile: "broker", Credentials: "credential_process"}
	tests := []struct {
		profile    string
		assume     bool // given, but the chain runs no command: still no call
		wantChain  []hop
		wantStatus string
		wantDetail string // of the first check
	}{
		{
			profile: "app",
			wantChain: []hop{
				{Profile: "app", RoleARN: appRole, RoleSessionName: "app-session"},
				{Profile: "mid", RoleARN: midRole, RoleSessionName: "mid-session", ExternalID: "ext-42"},
				process,
			},
			wantStatus: "pppppppp",
		},
		{
			profile:    "broker",
			wantChain:  []hop{process},
			wantStatus: "pppppppp",
		},
		{
			profile:    "own",
			wantChain:  []hop{{Profile: "own", RoleARN: midRole, RoleSessionName: "own-session", Credentials: "credential_process"}},
			wantStatus: "pppppppp",
		},
		{
			profile:    "mfa",
			wantChain:  []hop{{Profile: "mfa", RoleARN: appRole, RoleSessionName: "mfa-session", MFA: true}, process},
			wantStatus: "pppppppp",
		},
		{
			profile:    "generated",
			wantChain:  []hop{{Profile: "generated", RoleARN: appRole}, process},
			wantStatus: "pppppppp",
		},
		{
			profile:    "keys",
			wantChain:  []hop{{Profile: "keys", Credentials: "static_keys"}},
			wantStatus: "fsssssss",
			wantDetail: `not a credential_process chain: profile "keys" takes its credentials from static keys (the SDK's credentials.StaticCredentialsProvider), which the SDK uses before its credential_process`,
		},
		{
			profile: "keyed",
			assume:  true,
			wantChain: []hop{
				{Profile: "keyed", RoleARN: appRole},
				{Profile: "mid2", RoleARN: midRole},
				{Profile: "keys", Credentials: "static_keys"},
			},
			wantStatus: "fsssssss",
			wantDetail: `not a credential_process chain: profile "keys" takes its credentials from static keys (the SDK's credentials.StaticCredentialsProvider), which the SDK uses before its credential_process; the SDK's stscreds.AssumeRoleProvider assumes the 2 roles above it in turn and signs`,
		},
		{
			profile:    "fromenv",
			assume:     true,
			wantChain:  []hop{{Profile: "fromenv", RoleARN: appRole, Credentials: "credential_source"}},
			wantStatus: "fsssssss",
			wantDetail: `not a credential_process chain: profile "fromenv" takes its credentials from credential_source = Environment (the SDK's credentials.StaticCredentialsProvider, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); the SDK's stscreds.AssumeRoleProvider assumes the role above it with them and signs`,
		},
		{
			profile:    "sso",
			wantChain:  []hop{{Profile: "sso", Credentials: "sso"}},
			wantStatus: "fsssssss",
			wantDetail: `not a credential_process chain: profile "sso" takes its credentials from SSO settings (the SDK's ssocreds.Provider)`,
		},
		{
			profile:    "bare",
			wantChain:  []hop{{Profile: "bare", Credentials: "none"}},
			wantStatus: "fsssssss",
			wantDetail: `not a credential_process chain: profile "bare" sets no credentials, so the SDK would use the container's or the instance's role (endpointcreds.Provider in a container, else ec2rolecreds.Provider)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			args := []string{"--profile", tt.profile}
			if tt.assume {
				args = append(args, "--assume")
			}
			r, code := checkJSON(t, args...)
			if diff := cmp.Diff(tt.wantChain, r.Chain); diff != "" {
				t.Errorf("chain mismatch (-want +got):\n%s", diff)
			}
			if got := statuses(r); got != tt.wantStatus || code != map[bool]int{true: exitOK, false: exitFail}[r.OK] {
				t.Errorf("checks %s, status %d; want %s", got, code, tt.wantStatus)
			}
			if tt.wantDetail != "" && r.Checks[0].Detail != tt.wantDetail {
				t.Errorf("first check detail =\n%s\nwant\n%s", r.Checks[0].Detail, tt.wantDetail)
			}
			if tt.wantDetail == "" && r.Program != exe {
				t.Errorf("program = %q; want the test binary", r.Program)
			}
			if n := srv.Count(); n != 0 {
				t.Errorf("check without --assume made %d requests; want none", n)
			}
		})
	}
}

// TestCheckChainText: the text report lists the chain from the profile
// down to the command, each role with what AssumeRole sends.
func TestCheckChainText(t *testing.T) {
	chainSetup(t, true)
	exe, _ := os.Executable()
	stdout, _, _ := cli(t, "check", "--profile", "app")
	want := `Program    ` + exe + ` (credential_process of profile "broker", run by the shell; arguments not shown)
Exit code  0
Run time   X

Chain of profile "app", as the SDK resolves it
  profile  app
  role     ` + appRole + ` (session app-session)
  profile  mid
  role     ` + midRole + ` (session mid-session, external id ext-42)
  profile  broker
  command  ` + exe + ` (credential_process)

Checks
  ok  source_profile chain ends in a credential_process
`
	if got := runTime.ReplaceAllString(stdout, "${1}X"); !strings.HasPrefix(got, want) {
		t.Errorf("report does not start as wanted:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(stdout, "\nCredentials from the command, for profile \"broker\"\n") {
		t.Errorf("report does not say whose the credentials are:\n%s", stdout)
	}

	stdout, _, _ = cli(t, "check", "--profile", "keyed")
	for _, w := range []string{
		"  profile      keys\n  credentials  static keys\n",
		"FAIL: not a credential_process chain: profile \"keys\"",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("report does not contain %q:\n%s", w, stdout)
		}
	}
}

// TestCheckAssume: --assume assumes each role of the chain with STS, from
// the command's credentials, and calls GetCallerIdentity with the last
// set; a failure names the hop and AWS's error code.
func TestCheckAssume(t *testing.T) {
	tests := []struct {
		name         string
		profile      string
		stsEnv       bool // AWS_ENDPOINT_URL_STS points at the endpoint
		prepare      func(*awstest.Server)
		wantIdentity string
		wantStatus   string
		wantProfile  string // of the failed check
		wantCode     string
		wantDetail   string
		wantCalls    []string // "Operation key code"
	}{
		{
			name: "two hops", profile: "app", stsEnv: true,
			wantIdentity: "arn:aws:sts::123456789012:assumed-role/app/app-session",
			wantStatus:   "pppppppp" + "ppp",
			wantCalls:    []string{"AssumeRole " + helperKey, "AssumeRole ASIAROLE000000000001", "GetCallerIdentity ASIAROLE000000000002"},
		},
		{
			name: "no role", profile: "broker", stsEnv: true,
			wantIdentity: "arn:aws:sts::123456789012:assumed-role/test/" + helperKey,
			wantStatus:   "pppppppp" + "p",
			wantCalls:    []string{"GetCallerIdentity " + helperKey},
		},
		{
			name: "role on its own command", profile: "own", stsEnv: true,
			wantIdentity: "arn:aws:sts::123456789012:assumed-role/mid/own-session",
			wantStatus:   "pppppppp" + "pp",
			wantCalls:    []string{"AssumeRole " + helperKey, "GetCallerIdentity ASIAROLE000000000001"},
		},
		{
			name: "endpoint_url of the profile", profile: "viaprofile",
			wantIdentity: "arn:aws:sts::123456789012:assumed-role/app/viaprofile",
			wantStatus:   "pppppppp" + "pp",
			wantCalls:    []string{"AssumeRole " + helperKey, "GetCallerIdentity ASIAROLE000000000001"},
		},
		{
			name: "services section of the profile", profile: "viaservices",
			wantIdentity: "arn:aws:sts::123456789012:assumed-role/app/viaservices",
			wantStatus:   "pppppppp" + "pp",
			wantCalls:    []string{"AssumeRole " + helperKey, "GetCallerIdentity ASIAROLE000000000001"},
		},
		{
			name: "command's credentials expired at STS", profile: "app", stsEnv: true,
			prepare:     func(s *awstest.Server) { s.Expire(helperKey) },
			wantStatus:  "pppppppp" + "fss",
			wantProfile: "mid", wantCode: "ExpiredToken",
			wantDetail: "ExpiredToken: The security token included in the request is expired (HTTP 403)",
			wantCalls:  []string{"AssumeRole " + helperKey + " ExpiredToken"},
		},
		{
			name: "command's credentials denied", profile: "app", stsEnv: true,
			prepare:     func(s *awstest.Server) { s.Deny(helperKey) },
			wantStatus:  "pppppppp" + "fss",
			wantProfile: "mid", wantCode: "AccessDenied",
			wantCalls: []string{"AssumeRole " + helperKey + " AccessDenied"},
		},
		{
			name: "second hop refused", profile: "badrole", stsEnv: true,
			wantStatus:  "pppppppp" + "pfs",
			wantProfile: "badrole", wantCode: "ValidationError",
			wantCalls: []string{"AssumeRole " + helperKey, "AssumeRole ASIAROLE000000000001 ValidationError"},
		},
		{
			name: "MFA without a terminal", profile: "mfa", stsEnv: true,
			wantStatus:  "pppppppp" + "fs",
			wantProfile: "mfa",
			wantDetail:  "the role needs an MFA code (mfa_serial): run check with --interactive to type one",
		},
		{
			name: "no region", profile: "noregion", stsEnv: true,
			wantStatus:  "pppppppp" + "fs",
			wantProfile: "noregion",
			wantDetail:  `no region for STS: set region in profile "noregion" or AWS_REGION (the SDK's chain fails the same way)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chainSetup(t, tt.stsEnv)
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			r, code := checkJSON(t, "--profile", tt.profile, "--assume")
			if got := statuses(r); got != tt.wantStatus || r.Identity != tt.wantIdentity || code != map[bool]int{true: exitOK, false: exitFail}[tt.wantIdentity != ""] {
				t.Errorf("checks %s, identity %q, status %d; want %s, %q", got, r.Identity, code, tt.wantStatus, tt.wantIdentity)
			}
			for _, c := range r.Checks {
				if c.Status != statusFail {
					continue
				}
				if c.Profile != tt.wantProfile || c.Code != tt.wantCode || (tt.wantDetail != "" && c.Detail != tt.wantDetail) {
					t.Errorf("failed check %q: profile %q, code %q, detail %q; want %q, %q, %q",
						c.Name, c.Profile, c.Code, c.Detail, tt.wantProfile, tt.wantCode, tt.wantDetail)
				}
			}
			if tt.wantCalls != nil && r.STSEndpoint != srv.URL() {
				t.Errorf("sts_endpoint = %q; want %q", r.STSEndpoint, srv.URL())
			}
			var calls []string
			for _, req := range srv.Requests() {
				calls = append(calls, strings.TrimSpace(req.Operation+" "+req.AccessKeyID+" "+req.ErrorCode))
			}
			if diff := cmp.Diff(tt.wantCalls, calls); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckAssumeSends: AssumeRole sends the session name and external id
// of each profile, and a session name of the SDK's making where the
// profile sets none.
func TestCheckAssumeSends(t *testing.T) {
	srv := chainSetup(t, true)
	for _, profile := range []string{"app", "generated"} {
		if r, code := checkJSON(t, "--profile", profile, "--assume"); code != exitOK {
			t.Fatalf("check --profile %s --assume: status %d; checks %s", profile, code, statuses(r))
		}
	}
	roles := srv.AssumedRoles()
	if len(roles) != 3 {
		t.Fatalf("STS minted %d sets; want 3", len(roles))
	}
	want := []awstest.AssumedRole{
		{RoleARN: midRole, SessionName: "mid-session", ExternalID: "ext-42", Caller: helperKey},
		{RoleARN: appRole, SessionName: "app-session", Caller: "ASIAROLE000000000001"},
		{RoleARN: appRole, SessionName: roles[2].SessionName, Caller: helperKey},
	}
	got := cmpopts.IgnoreFields(awstest.AssumedRole{}, "AccessKeyID", "Expires")
	if diff := cmp.Diff(want, roles, got); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(roles[2].SessionName, "aws-go-sdk-") {
		t.Errorf("session name without role_session_name = %q; want the SDK's aws-go-sdk-...", roles[2].SessionName)
	}
}

// TestCheckAssumeMFA: with --interactive, a role with mfa_serial asks for
// its code on stderr and reads it from stdin.
func TestCheckAssumeMFA(t *testing.T) {
	srv := chainSetup(t, true)
	// A file, as the terminal is: the command gets it as it is, and what
	// it leaves unread is there for the prompt.
	in := filepath.Join(proctest.TempDir(t, "check-chain"), "stdin")
	if err := os.WriteFile(in, []byte("123456\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := testApp
	a.stdin = f
	var out, errOut bytes.Buffer
	code := a.run(context.Background(), []string{"check", "--interactive", "--profile", "mfa", "--assume"}, &out, &errOut)
	if code != exitOK {
		t.Fatalf("status %d; want 0:\n%s%s", code, out.String(), errOut.String())
	}
	if want := "MFA code for " + mfaSerial + ": "; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr = %q; want the prompt %q", errOut.String(), want)
	}
	if n := len(srv.AssumedRoles()); n != 1 {
		t.Errorf("STS minted %d sets; want 1", n)
	}
}

func TestRedactSecrets(t *testing.T) {
	secrets := []string{plantedSecret, plantedToken, "", "short"}
	msg := "The Canonical String for this request should have been 'x-amz-security-token:" + plantedToken + "' " + plantedSecret + " short"
	want := "The Canonical String for this request should have been 'x-amz-security-token:[redacted]' [redacted] short"
	if got := redactSecrets(msg, secrets); got != want {
		t.Errorf("redactSecrets() = %q; want %q", got, want)
	}
}

// TestCheckAssumeText: the text report gives the identity and the
// endpoint, or ends naming the hop that failed and AWS's error code.
func TestCheckAssumeText(t *testing.T) {
	srv := chainSetup(t, true)
	stdout, _, code := cli(t, "check", "--profile", "app", "--assume")
	for _, w := range []string{
		"  ok  STS AssumeRole for profile \"mid\"\n  ok  STS AssumeRole for profile \"app\"\n  ok  STS GetCallerIdentity with the credentials of profile \"app\"\n",
		"\nSTS\n  Identity  arn:aws:sts::123456789012:assumed-role/app/app-session\n  Endpoint  " + srv.URL() + "\n",
		"\nOK: valid, unexpired credentials; profile \"app\" signs as arn:aws:sts::123456789012:assumed-role/app/app-session\n",
	} {
		if code != exitOK || !strings.Contains(stdout, w) {
			t.Errorf("status %d; report does not contain %q:\n%s", code, w, stdout)
		}
	}

	srv.Expire(helperKey)
	stdout, _, code = cli(t, "check", "--profile", "app", "--assume")
	for _, w := range []string{
		"  FAIL  STS AssumeRole for profile \"mid\": ExpiredToken: The security token included in the request is expired (HTTP 403)\n" +
			"  -     STS AssumeRole for profile \"app\"\n",
		"\nFAIL: STS AssumeRole for profile \"mid\": ExpiredToken: The security token included in the request is expired (HTTP 403)\n",
	} {
		if code != exitFail || !strings.Contains(stdout, w) {
			t.Errorf("status %d; report does not contain %q:\n%s", code, w, stdout)
		}
	}
}
