package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// The secrets the test producers print, and one the tests pass as an
// argument. No output may contain any of them.
const (
	plantedSecret = "pLaNtEdSeCrEt/KEY+0123456789abcdefghijkl"
	plantedToken  = "pLaNtEdToKeN+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
	plantedArg    = "pLaNtEdArGuMeNt-hunter2"
)

// testApp judges expiry at 2030-01-01T00:00:00Z, the clock the producer's
// expirations are written around (producerEnv), and shows local times two
// hours east of UTC.
var testApp = app{
	now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) },
	loc: time.FixedZone("UTC+2", 2*60*60),
}

// cli runs the command with testApp and returns its output and status.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = testApp.run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// checkJSON runs check --json with args and decodes the report.
func checkJSON(t *testing.T, args ...string) (*report, int) {
	t.Helper()
	stdout, stderr, code := cli(t, append([]string{"check", "--json"}, args...)...)
	var r report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("check --json %q: output is not a report (%v); stderr %q", args, err, stderr)
	}
	return &r, code
}

var runTime = regexp.MustCompile(`(Run time\s+)\S+`)

// TestCheckText compares the whole text report with the run time blanked
// against testdata/check/GOLDEN.txt, where {program} stands for the
// producer's path.
func TestCheckText(t *testing.T) {
	p := producer(t)
	tests := []struct {
		name     string
		args     []string
		golden   string
		wantCode int
	}{
		{
			name:   "valid",
			args:   []string{"--", p, "valid", plantedArg},
			golden: "valid",
		},
		{
			name:     "expired",
			args:     []string{"--shell", quoted(p) + " expired"},
			golden:   "expired",
			wantCode: 1,
		},
		{
			name:     "type error names the field",
			args:     []string{"--", p, "numberkey"},
			golden:   "type-error",
			wantCode: 1,
		},
		{
			name:     "command fails",
			args:     []string{"--", p, "fail"},
			golden:   "command-fails",
			wantCode: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := cli(t, append([]string{"check"}, tt.args...)...)
			if code != tt.wantCode || stderr != "" {
				t.Errorf("check %q = status %d, stderr %q; want %d and no stderr", tt.args, code, stderr, tt.wantCode)
			}
			got := runTime.ReplaceAllString(stdout, "${1}X")
			golden, err := os.ReadFile(filepath.Join("testdata", "check", tt.golden+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(string(golden), "{program}", p)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("check %q report mismatch (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

// TestCheckResults: each kind of bad output fails its own check, names its
// field, and leaves the later checks unreached.
func TestCheckResults(t *testing.T) {
	p := producer(t)
	notFound := "no such file"
	if runtime.GOOS == "windows" {
		notFound = "file does not exist"
	}
	tests := []struct {
		mode       string
		args       []string // instead of running the producer in mode
		wantCode   int
		wantStatus string // one letter per check: p pass, f fail, s skip
		wantField  string
		wantDetail string
		wantTTL    int64
	}{
		{mode: "valid", wantStatus: "ppppppp", wantTTL: 5400},
		{mode: "noexpiry", wantStatus: "ppppppp"},
		{mode: "expired", wantCode: 1, wantStatus: "ppppppf", wantField: "Expiration", wantDetail: "expired", wantTTL: -3600},
		{mode: "naive", wantCode: 1, wantStatus: "pppppfs", wantField: "Expiration", wantDetail: "no time zone"},
		{mode: "badversion", wantCode: 1, wantStatus: "ppfssss", wantField: "Version", wantDetail: "number 1"},
		{mode: "nosecret", wantCode: 1, wantStatus: "ppppfss", wantField: "SecretAccessKey", wantDetail: "missing"},
		{mode: "numberkey", wantCode: 1, wantStatus: "pfsssss", wantField: "AccessKeyId", wantDetail: "must be a string"},
		{mode: "notjson", wantCode: 1, wantStatus: "pfsssss", wantDetail: "not a JSON object"},
		{mode: "fail", wantCode: 1, wantStatus: "fssssss", wantDetail: "status 3"},
		{mode: "timeout", args: []string{"--timeout", "200ms", "--", p, "slow"}, wantCode: 1, wantStatus: "fssssss", wantDetail: "200ms timeout"},
		{mode: "timeout, run by the shell", args: []string{"--timeout", "200ms", "--shell", quoted(p) + " slow"}, wantCode: 1, wantStatus: "fssssss", wantDetail: "200ms timeout"},
		{mode: "missing program", args: []string{"--", filepath.Join(proctest.TempDir(t, "check-test"), "no-such-producer")}, wantCode: 1, wantStatus: "fssssss", wantDetail: notFound},
		{mode: "shell finds no program", args: []string{"--shell", "no-such-producer-on-path --arg"}, wantCode: 1, wantStatus: "fssssss", wantDetail: "status " + notFoundStatus()},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"--", p, tt.mode}
			}
			r, code := checkJSON(t, args...)
			if code != tt.wantCode || r.OK != (tt.wantCode == 0) {
				t.Errorf("status %d, ok %v; want %d, %v", code, r.OK, tt.wantCode, tt.wantCode == 0)
			}
			var status strings.Builder
			for _, c := range r.Checks {
				status.WriteByte(c.Status[0])
				if c.Status != statusFail {
					continue
				}
				if c.Field != tt.wantField || !strings.Contains(c.Detail, tt.wantDetail) {
					t.Errorf("failed check %q: field %q, detail %q; want field %q and detail containing %q",
						c.Name, c.Field, c.Detail, tt.wantField, tt.wantDetail)
				}
			}
			if got := status.String(); got != tt.wantStatus {
				t.Errorf("check statuses = %s; want %s", got, tt.wantStatus)
			}
			if r.TTLSeconds != tt.wantTTL {
				t.Errorf("ttl_seconds = %d; want %d", r.TTLSeconds, tt.wantTTL)
			}
		})
	}
}

// TestCheckJSONRoundTrip: the JSON report decodes to what check found and
// encodes back to the same bytes.
func TestCheckJSONRoundTrip(t *testing.T) {
	p := producer(t)
	stdout, _, code := cli(t, "check", "--json", "--", p, "valid")
	if code != 0 {
		t.Fatalf("status %d; want 0:\n%s", code, stdout)
	}
	var got report
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := report{
		OK: true, Source: kindArgs, Program: p, ExitCode: 0,
		Stderr:      "producer: using cached credentials",
		AccessKeyID: "ASIA****2345", SessionToken: true, AccountID: "123456789012",
		Expiration: "2030-01-01T01:30:00Z", ExpirationLocal: "2030-01-01T03:30:00+02:00", TTLSeconds: 5400,
	}
	for _, c := range newChecks()[chkRun:] {
		c.Status = statusPass
		want.Checks = append(want.Checks, c)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(report{}, "RunTimeSeconds")); diff != "" {
		t.Errorf("decoded report mismatch (-want +got):\n%s", diff)
	}
	if got.RunTimeSeconds <= 0 {
		t.Errorf("run_time_seconds = %v; want > 0", got.RunTimeSeconds)
	}
	var again bytes.Buffer
	if err := writeJSON(&again, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stdout, again.String()); diff != "" {
		t.Errorf("re-encoded report differs (-first +second):\n%s", diff)
	}
}

func TestCheckProfile(t *testing.T) {
	p := producer(t)
	dir := proctest.TempDir(t, "check-test")
	config := filepath.Join(dir, "config")
	text := "[default]\ncredential_process = " + quoted(p) + " valid " + plantedArg + "\n\n" +
		"[profile broken]\ncredential_process = " + quoted(p) + " badversion\n\n" +
		"[profile empty]\nregion = us-east-1\n"
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_DEFAULT_PROFILE", "")

	tests := []struct {
		name        string
		args        []string
		env         string // AWS_PROFILE
		wantProfile string
		wantCode    int
		wantStatus  string
		wantDetail  string
	}{
		{name: "default", wantProfile: "default", wantStatus: "pppppppp"},
		{name: "AWS_PROFILE", env: "broken", wantProfile: "broken", wantCode: 1, wantStatus: "pppfssss"},
		{name: "flag beats AWS_PROFILE", args: []string{"--profile", "default"}, env: "broken", wantProfile: "default", wantStatus: "pppppppp"},
		{name: "missing", args: []string{"--profile", "nope"}, wantProfile: "nope", wantCode: 1, wantStatus: "fsssssss", wantDetail: "profile not found"},
		{name: "no credential_process", args: []string{"--profile", "empty"}, wantProfile: "empty", wantCode: 1, wantStatus: "fsssssss", wantDetail: "not a credential_process chain: profile \"empty\" sets no credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_PROFILE", tt.env)
			r, code := checkJSON(t, tt.args...)
			var status strings.Builder
			for _, c := range r.Checks {
				status.WriteByte(c.Status[0])
			}
			if code != tt.wantCode || r.Source != kindProfile || r.Profile != tt.wantProfile || status.String() != tt.wantStatus {
				t.Errorf("status %d, source %q, profile %q, checks %s; want %d, %q, %q, %s",
					code, r.Source, r.Profile, status.String(), tt.wantCode, kindProfile, tt.wantProfile, tt.wantStatus)
			}
			if tt.wantDetail != "" && !strings.Contains(r.Checks[0].Detail, tt.wantDetail) {
				t.Errorf("profile check detail = %q; want it to contain %q", r.Checks[0].Detail, tt.wantDetail)
			}
			if r.Program != "" && r.Program != p {
				t.Errorf("program = %q; want %q", r.Program, p)
			}
		})
	}
}

// TestCheckNoSecrets: whatever the command prints and however it fails, no
// output of either format holds the secret key, the session token or an
// argument.
func TestCheckNoSecrets(t *testing.T) {
	p := producer(t)
	var runs [][]string
	for _, mode := range []string{"valid", "leak", "expired", "naive", "badversion", "nosecret", "numberkey", "notjson", "fail"} {
		runs = append(runs,
			[]string{"--", p, mode, plantedArg},
			[]string{"--shell", quoted(p) + " " + mode + " --password=" + plantedArg},
		)
	}
	runs = append(runs,
		[]string{"--timeout", "100ms", "--", p, "slow", plantedArg},
		[]string{"--", filepath.Join(proctest.TempDir(t, "check-test"), "missing"), plantedArg},
	)
	for _, args := range runs {
		for _, format := range [][]string{nil, {"--json"}} {
			full := append(append([]string{"check"}, format...), args...)
			stdout, stderr, _ := cli(t, full...)
			for _, planted := range []string{plantedSecret, plantedToken, plantedArg} {
				if strings.Contains(stdout+stderr, planted) {
					t.Errorf("credprocess %s %q printed %q:\n%s%s", format, args[len(args)-2:], planted, stdout, stderr)
				}
			}
		}
	}
}

// TestCheckInteractive: --interactive hands the command stdin and shows its
// stderr as it runs; without it stdin is the null device.
func TestCheckInteractive(t *testing.T) {
	line := quoted(producer(t)) + " stdin"
	tests := []struct {
		interactive bool
		wantCode    int
		wantStderr  string
	}{
		{true, exitOK, "MFA code: got 123456"},
		{false, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("interactive=%v", tt.interactive), func(t *testing.T) {
			a := testApp
			a.stdin = strings.NewReader("123456\n")
			args := []string{"check", "--shell", line}
			if tt.interactive {
				args = []string{"check", "--interactive", "--shell", line}
			}
			var out, errOut bytes.Buffer
			code := a.run(context.Background(), args, &out, &errOut)
			if code != tt.wantCode {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.wantCode, out.String(), errOut.String())
			}
			if got := strings.TrimSpace(errOut.String()); got != tt.wantStderr {
				t.Errorf("live stderr = %q; want %q", got, tt.wantStderr)
			}
		})
	}
}
