package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/scrub"
)

// printEnv makes the test binary a producer that writes $CHECK_PRINT_STDOUT
// to stdout and $CHECK_PRINT_STDERR to stderr, and exits with
// $CHECK_PRINT_STATUS. It is read in init, so that the other tests need no
// TestMain.
const printEnv = "CHECK_PRINT"

func init() {
	if os.Getenv(printEnv) == "" {
		return
	}
	os.Stdout.WriteString(os.Getenv(printEnv + "_STDOUT"))
	os.Stderr.WriteString(os.Getenv(printEnv + "_STDERR"))
	status, _ := strconv.Atoi(os.Getenv(printEnv + "_STATUS"))
	os.Exit(status)
}

// printer copies the test binary to a file called name and sets the
// environment that makes it print stdout and stderr and exit with status.
func printer(t *testing.T, name, stdout, stderr string, status int) string {
	t.Helper()
	exe := proctest.CopySelf(t, proctest.TempDir(t, "check-untrusted"), name)
	printing(t, stdout, stderr, status)
	return exe
}

// printing returns the test binary, with the environment set that makes it
// print stdout and stderr and exit with status.
func printing(t *testing.T, stdout, stderr string, status int) string {
	t.Helper()
	return self(t, printEnv, "1", printEnv+"_STDOUT", stdout, printEnv+"_STDERR", stderr, printEnv+"_STATUS", strconv.Itoa(status))
}

// forgery is what a producer writes to make a failed check look passed on
// a terminal: a verdict line of its own, then an escape sequence that
// hides what follows.
const forgery = "\n\nOK: valid, unexpired credentials\x1b[8m"

// untrustedRun is a producer that writes text meant to forge or hide part
// of the report, and where the report shows it.
type untrustedRun struct {
	name     string
	program  string // the program's file name
	stdout   string
	stderr   string
	status   int
	wantCode int
	field    func(r *report) string // the report's field that holds the text
	want     string                 // its value, exact
	shows    string                 // how the text report shows it
}

func untrustedRuns() []untrustedRun {
	doc := func(key, account, expiration string) string {
		b, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": key, "SecretAccessKey": "s",
			"AccountId": account, "Expiration": expiration})
		return string(b)
	}
	return []untrustedRun{
		{
			name:    "AccountId forges a verdict on expired credentials",
			program: "producer", stdout: doc("ASIAPRODUCERKEY12345", forgery, "2029-12-31T23:00:00Z"), wantCode: exitFail,
			field: func(r *report) string { return r.AccountID }, want: forgery,
			shows: `Account id       \n\nOK: valid, unexpired credentials\x1b[8m` + "\n",
		},
		{
			name:    "AccountId with a right-to-left override",
			program: "producer", stdout: doc("ASIAPRODUCERKEY12345", "\u202e210987654321", "2030-01-01T01:30:00Z"),
			field: func(r *report) string { return r.AccountID }, want: "\u202e210987654321",
			shows: `Account id       \u202e210987654321` + "\n",
		},
		{
			name:    "AccessKeyId with bidi controls, a line separator and NEL",
			program: "producer", stdout: doc("AS\u202eIA\u2028PRODUCER\u0085KE\u2066Y1", "123456789012", "2030-01-01T01:30:00Z"),
			field: func(r *report) string { return r.AccessKeyID }, want: "AS\u202eI****E\u2066Y1",
			shows: `Access key id    AS\u202eI****E\u2066Y1` + "\n",
		},
		{
			name:    "program name with a right-to-left override",
			program: "producer\u202etxt", stdout: doc("ASIAPRODUCERKEY12345", "123456789012", "2030-01-01T01:30:00Z"),
			field: func(r *report) string { return strings.TrimSuffix(filepath.Base(r.Program), ".exe") }, want: "producer\u202etxt",
			shows: `producer\u202etxt`,
		},
		{
			name:    "stderr with escapes, bidi controls and separators",
			program: "producer", stderr: "Login required\x1b[8m\rOK\u202e\u2029done\u0085\n" + forgery, status: 3, wantCode: exitFail,
			field: func(r *report) string { return r.Stderr },
			want:  "Login required\ufffd[8m\ufffdOK\ufffd\ufffddone\ufffd\n\n\nOK: valid, unexpired credentials\ufffd[8m",
			shows: "  | Login required\ufffd[8m\ufffdOK\ufffd\ufffddone\ufffd\n  | \n  | \n  | OK: valid, unexpired credentials\ufffd[8m\n",
		},
	}
}

// TestCheckTextUntrusted: whatever a producer writes, the text report
// holds no character that moves the cursor, starts a line or reorders
// text, other than its own line ends; its only verdict is the last line;
// and the producer's text is shown escaped.
func TestCheckTextUntrusted(t *testing.T) {
	for _, tt := range untrustedRuns() {
		t.Run(tt.name, func(t *testing.T) {
			p := printer(t, tt.program, tt.stdout, tt.stderr, tt.status)
			stdout, stderr, code := cli(t, "check", "--", p)
			if code != tt.wantCode || stderr != "" {
				t.Errorf("status %d, stderr %q; want %d and none", code, stderr, tt.wantCode)
			}
			if !utf8.ValidString(stdout) {
				t.Errorf("report is not valid UTF-8:\n%q", stdout)
			}
			for i, r := range stdout {
				if r != '\n' && scrub.Unprintable(r) {
					t.Errorf("report holds %U at byte %d:\n%q", r, i, stdout)
				}
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			var verdicts []string
			for _, line := range lines {
				if strings.HasPrefix(line, "OK") || strings.HasPrefix(line, "FAIL") {
					verdicts = append(verdicts, line)
				}
			}
			want := "FAIL"
			if tt.wantCode == exitOK {
				want = "OK: valid, unexpired credentials"
			}
			if len(verdicts) != 1 || !strings.HasPrefix(lines[len(lines)-1], want) {
				t.Errorf("verdict lines %q, last line %q; want one, the last, starting %q:\n%s", verdicts, lines[len(lines)-1], want, stdout)
			}
			if !strings.Contains(stdout, tt.shows) {
				t.Errorf("report does not show the producer's text as %q:\n%s", tt.shows, stdout)
			}
		})
	}
}

// TestCheckJSONUntrusted: in --json the producer's text is exact once
// decoded, and every character that could act on a terminal is escaped as
// \uXXXX in the encoded report.
func TestCheckJSONUntrusted(t *testing.T) {
	for _, tt := range untrustedRuns() {
		t.Run(tt.name, func(t *testing.T) {
			p := printer(t, tt.program, tt.stdout, tt.stderr, tt.status)
			stdout, _, code := cli(t, "check", "--json", "--", p)
			if code != tt.wantCode {
				t.Errorf("status %d; want %d", code, tt.wantCode)
			}
			for i, r := range stdout {
				if r != '\n' && scrub.Unprintable(r) {
					t.Errorf("encoded report holds %U at byte %d:\n%s", r, i, stdout)
				}
			}
			var r report
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("report does not decode: %v\n%s", err, stdout)
			}
			if diff := cmp.Diff(tt.want, tt.field(&r)); diff != "" {
				t.Errorf("decoded field mismatch (-want +got):\n%s", diff)
			}
			for _, r := range tt.want {
				if scrub.Unprintable(r) && r != '\n' && r != '\ufffd' {
					if esc := fmt.Sprintf(`\u%04x`, r); !strings.Contains(stdout, esc) {
						t.Errorf("encoded report does not hold %s:\n%s", esc, stdout)
					}
				}
			}
		})
	}
}

// TestCheckTextUntrustedPath: a program that never started is named in the
// verdict with its path escaped.
func TestCheckTextUntrustedPath(t *testing.T) {
	missing := filepath.Join(proctest.TempDir(t, "check-untrusted"), "no\x1b[2Jsuch\u202eproducer")
	stdout, _, code := cli(t, "check", "--", missing)
	if code != exitFail {
		t.Errorf("status %d; want %d", code, exitFail)
	}
	for i, r := range stdout {
		if r != '\n' && scrub.Unprintable(r) {
			t.Errorf("report holds %U at byte %d:\n%q", r, i, stdout)
		}
	}
	if want := `no\x1b[2Jsuch\u202eproducer`; !strings.Contains(stdout, "FAIL: never started: ") || !strings.Contains(stdout, want) {
		t.Errorf("report does not name the program as %s in its verdict:\n%s", want, stdout)
	}
}
