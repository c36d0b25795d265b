//go:build linux || darwin

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
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
	term.Exited(t)
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if want := "exit 1, ok false, key , interrupted"; r.Value != want || !r.GotSIGINT {
		t.Errorf("Ctrl-C during check --interactive = %q, program got SIGINT %v; want %q, true", r.Value, r.GotSIGINT, want)
	}
	r.CheckRestored(t)
	proctest.GroupGone(t, pgid)
}

// cacheDriverEnv makes the test binary a program in the terminal's
// foreground that starts wrappers (`credprocess cache`) whose producer
// prompts for an MFA code, and prints a proctest.Report whose Value lists
// the key each printed. With $CACHE_PIPED it starts one, with stdin and
// stderr as pipes, as botocore and the AWS CLI start a credential_process;
// otherwise ten at once on the terminal.
const cacheDriverEnv = "CREDPROCESS_CACHE_DRIVER"

func init() { proctest.DriveIf(cacheDriverEnv, wrappersOnTerminal) }

func wrappersOnTerminal() (string, bool, error) {
	n := 10
	piped := os.Getenv("CACHE_PIPED") != ""
	if piped {
		n = 1
	}
	exe, _ := os.Executable()
	keys := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(exe, "cache", "--dir", os.Getenv("CACHE_DIR"), "--", exe, "--mfa")
			cmd.Env = append(os.Environ(), asCLIEnv+"=1", cmdProducerEnv+"=prompt")
			var stdout, stderr strings.Builder
			cmd.Stdout = &stdout
			if piped {
				in, _ := cmd.StdinPipe() // left open, as botocore's is
				defer in.Close()
				cmd.Stderr = &stderr
			} else {
				cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
			}
			err := cmd.Run()
			var doc struct {
				AccessKeyID string `json:"AccessKeyId"`
			}
			if err == nil {
				err = json.Unmarshal([]byte(stdout.String()), &doc)
			}
			if err != nil {
				err = fmt.Errorf("wrapper %d: %w (stderr %q)", i, err, stderr.String())
			}
			keys[i], errs[i] = doc.AccessKeyID, err
		})
	}
	wg.Wait()
	return strings.Join(keys, " "), false, errors.Join(errs...)
}

// TestCacheOnePromptForTheHost: ten wrappers started at once on one
// terminal, by a program in its foreground, with a producer that prompts
// for an MFA code: one prompt, and all ten print the set it gave.
func TestCacheOnePromptForTheHost(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "cache-tty"), "shared")
	runs := runsFile(t)
	term, stdout, _ := proctest.StartDriver(t, cacheDriverEnv+"=1", "CACHE_DIR="+dir, "PRODUCER_RUNS="+runs)
	term.Answer(t, "Enter MFA code: ", "123456\r")
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	want := strings.TrimSpace(strings.Repeat("AKIDCACHE1234560001 ", 10))
	if r.Value != want || r.Err != "" {
		t.Errorf("ten wrappers printed %q, %q; want %q", r.Value, r.Err, want)
	}
	if n := strings.Count(term.Output(), "Enter MFA code: "); n != 1 {
		t.Errorf("the terminal showed %d prompts; want 1", n)
	}
	r.CheckRestored(t)
	if n := proctest.Runs(t, runs); n != 1 {
		t.Errorf("producer runs = %d; want 1", n)
	}
}

// TestCachePromptThroughTheTerminal: a wrapper started with stdin and
// stderr as pipes (as botocore starts a credential_process), by a program
// that has a controlling terminal, hands its producer the terminal: the
// prompt reaches the user and the code the producer.
func TestCachePromptThroughTheTerminal(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "cache-tty"), "shared")
	term, stdout, _ := proctest.StartDriver(t, cacheDriverEnv+"=1", "CACHE_PIPED=1", "CACHE_DIR="+dir, "PRODUCER_RUNS="+runsFile(t))
	term.Answer(t, "Enter MFA code: ", "654321\r")
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if r.Value != "AKIDCACHE6543210001" || r.Err != "" {
		t.Errorf("a piped wrapper printed %q, %q; want AKIDCACHE6543210001", r.Value, r.Err)
	}
	r.CheckRestored(t)
}

// runsFile returns a new file for a producer to count its runs in.
func runsFile(t *testing.T) string {
	return filepath.Join(proctest.TempDir(t, "cache-tty"), "runs")
}
