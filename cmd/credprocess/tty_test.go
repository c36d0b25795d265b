//go:build linux || darwin

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// ttyDriverEnv makes the test binary run `credprocess check --json
// --interactive --shell LINE` on its terminal through run, as main does
// (os.Stdin, SIGINT handling), and print a proctest.Report. It is read in
// init so that the other tests need no TestMain.
const (
	ttyDriverEnv = "CREDPROCESS_TTY_DRIVER"
	ttyScriptEnv = "CREDPROCESS_TTY_SCRIPT"
)

func init() { proctest.DriveIf(ttyDriverEnv, checkOnTerminal) }

func checkOnTerminal() (string, bool, error) {
	var stdout bytes.Buffer
	code := run([]string{"check", "--json", "--interactive", "--timeout", "1m", "--shell", os.Getenv(ttyScriptEnv)}, &stdout, os.Stderr)
	var r report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return "", false, fmt.Errorf("report %q: %w", stdout.Bytes(), err)
	}
	detail := r.Checks[0].Detail
	return fmt.Sprintf("exit %d, ok %v, key %s, %s", code, r.OK, r.AccessKeyID, detail), detail == "interrupted", nil
}

// mfaProducer prompts as aws-vault does and exits 9 unless the code is
// 123456.
const mfaProducer = `echo $$ >"$PIDFILE"
printf 'Enter MFA code for arn:aws:iam::123456789012:mfa/dev: ' >&2
read code
[ "$code" = 123456 ] || exit 9
printf '{"Version":1,"AccessKeyId":"ASIAMFAEXAMPLE%s","SecretAccessKey":"s","SessionToken":"t"}\n' "$code"
`

func startCheck(t *testing.T) (*proctest.Terminal, *strings.Builder, string) {
	t.Helper()
	return proctest.StartDriver(t, ttyDriverEnv+"=1", ttyScriptEnv+"="+mfaProducer)
}

func TestCheckInteractiveTerminal(t *testing.T) {
	term, stdout, pidfile := startCheck(t)
	sinceTyped := term.Answer(t, "Enter MFA code for arn:aws:iam::123456789012:mfa/dev: ", "123456\r")
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if want := "exit 0, ok true, key ASIA****3456, "; r.Value != want || r.Err != "" {
		t.Errorf("check --interactive on a terminal = %q, %q; want %q", r.Value, r.Err, want)
	}
	r.CheckAnswered(t, "check", pidfile, sinceTyped)
}

func TestCheckInteractiveCtrlC(t *testing.T) {
	term, stdout, pidfile := startCheck(t)
	term.WaitFor(t, "Enter MFA code")
	pgid := proctest.ReadPID(t, pidfile)
	term.Type(t, "\x03")
	if err := term.Wait(t); err != nil {
		t.Fatalf("driver: %v; terminal showed %q", err, term.Output())
	}
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if want := "exit 1, ok false, key , interrupted"; r.Value != want || !r.GotSIGINT {
		t.Errorf("Ctrl-C during check --interactive = %q, program got SIGINT %v; want %q, true", r.Value, r.GotSIGINT, want)
	}
	r.CheckRestored(t)
	proctest.GroupGone(t, pgid)
}
