package credprocess_test

// The package's setup and the checks many tests share: the secrets planted
// in the producers' output and the assertions that none leaks, a log
// recorder, the runs a rejection backoff allows, and the files tests write and read, shared config files
// included. The commands the tests run are in producers_helpers_test.go,
// the endpoint and the clients pointed at it in endpoint_helpers_test.go.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/goleak"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/served"
)

// TestMain keeps the host's AWS settings away from the tests, finds the
// test binary for the producers (producer_behaviours_test.go), and fails
// the package if a goroutine outlives the tests.
func TestMain(m *testing.M) {
	// The host's AWS settings (a profile, static keys, a CA bundle) must not
	// reach config.LoadDefaultConfig in these tests.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	var err error
	if scratch, err = os.MkdirTemp("", "credprocess-e2e"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(scratch, "no-config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(scratch, "no-credentials"))
	if testBinary, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// A race-enabled producer otherwise sleeps a second before it exits.
	os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	code := m.Run()
	if code == 0 {
		// Tests close their servers, response bodies and idle connections
		// and wait for their runs: whatever still runs now is a leak, SDK
		// and HTTP goroutines included.
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left behind: %v\n", err)
			code = 1
		}
	}
	// Under Wine 8.0 os.RemoveAll fails (internal/proctest.TempDir), and
	// the directory holds nothing there: no benchmark ran.
	if os.RemoveAll(scratch) != nil {
		os.Remove(scratch)
	}
	os.Exit(code)
}

// scratch is a directory TestMain makes for the package and removes after
// it.
var scratch string

// The values planted in every document under testdata/faults and in the
// output of the test binary's labelled producer: the secret key, the
// session token, and a canary that only stdout carries. None may show in
// an error or a log line.
const (
	faultSecret  = "fAuLtSeCrEtKeY/9876543210zyxwvutsrqponmlk"
	faultToken   = "fAuLtSeSsIoNtOkEn+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=="
	stdoutCanary = "sToUtCaNaRy-7f3e"
)

// logRecorder is a logging.Logger that keeps every line, Debug included.
type logRecorder struct {
	mu    sync.Mutex // guards lines
	lines []string
}

// Logf records the line, prefixed with its classification.
func (r *logRecorder) Logf(c logging.Classification, format string, v ...any) {
	line := string(c) + " " + fmt.Sprintf(format, v...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
}

// all returns the lines recorded so far.
func (r *logRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// secretMarks are what must never be printed: the planted secret key and
// session token, the canary only stdout carries, and the start of a raw
// credentials document.
var secretMarks = []string{faultSecret, faultToken, stdoutCanary, `{"Version"`}

// allVerbs are the verbs a value of this module is printed with; a type
// with a Format or Error method must be safe under each.
var allVerbs = []string{"%v", "%+v", "%#v", "%s", "%q"}

// assertSecretFree fails if a secret mark, or a piece of the secret key or
// session token, shows in v printed with any of allVerbs, in any error v
// wraps, or in a log line.
func assertSecretFree(t *testing.T, what string, v any, logs []string) {
	t.Helper()
	values := []any{v}
	if err, ok := v.(error); ok {
		values = wrapped(err)
	}
	for _, v := range values {
		for _, verb := range allVerbs {
			s := fmt.Sprintf(verb, v)
			if mark := secretIn(s); mark != "" {
				t.Errorf("%s: Sprintf(%q, %T) holds %q: %s", what, verb, v, mark, s)
			}
		}
	}
	for _, line := range logs {
		if mark := secretIn(line); mark != "" {
			t.Errorf("%s: log line holds %q: %s", what, mark, line)
		}
	}
}

// secretPiece is how long a piece of the secret key or session token is
// taken for a leak: a secret cut short is leaked all the same.
const secretPiece = 10

// secretIn returns the secret mark, or the piece of a secret, that s holds,
// or "".
func secretIn(s string) string {
	for _, mark := range secretMarks {
		if strings.Contains(s, mark) {
			return mark
		}
	}
	return proctest.SecretPiece(s, secretPiece, faultSecret, faultToken)
}

// wrapped returns err and every error it wraps.
func wrapped(err error) []any {
	var all []any
	for queue := []error{err}; len(queue) > 0; queue = queue[1:] {
		e := queue[0]
		if e == nil {
			continue
		}
		all = append(all, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			queue = append(queue, u.Unwrap())
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	return all
}

// backoffsEnded counts the rejection backoff intervals that end within d
// of the first rejection.
func backoffsEnded(d time.Duration) int {
	n := 0
	for end := served.RejectionBackoff(1); end <= d; end += served.RejectionBackoff(n + 1) {
		n++
	}
	return n
}

// writeFile writes content to path, failing t on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustRead returns the content of path, failing t on error.
func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeConfig writes a shared config file and points AWS_CONFIG_FILE at it.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(proctest.TempDir(t, "config"), "config")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", path)
	return path
}

// The roles chainConfig's profiles assume.
const (
	appRole = "arn:aws:iam::123456789012:role/app"
	midRole = "arn:aws:iam::123456789012:role/mid"
)

// chainConfig is a config file in which app assumes a role with
// credentials from mid, mid assumes one with credentials from broker, and
// broker runs command; hop1 assumes a role directly on broker, and own
// assumes one on its own credential_process.
func chainConfig(command string) string {
	return `[profile app]
role_arn = ` + appRole + `
role_session_name = app-session
source_profile = mid

[profile mid]
role_arn = ` + midRole + `
role_session_name = mid-session
source_profile = broker

[profile hop1]
role_arn = ` + appRole + `
role_session_name = hop1-session
external_id = ext-42
source_profile = broker

[profile broker]
credential_process = ` + command + `

[profile own]
role_arn = ` + midRole + `
role_session_name = own-session
credential_process = ` + command + `
`
}
