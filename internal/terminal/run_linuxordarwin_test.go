//go:build linux || darwin

package terminal_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/terminal"
	"golang.org/x/sys/unix"
)

// ttyDriverEnv makes the test binary a driver on a terminal: it runs the
// shell line in ttyScriptEnv through execjson.Run with the terminal as stdin, and
// prints a proctest.Report. It is read in init, before TestMain, so that
// main_test.go stays platform-neutral.
const (
	ttyDriverEnv     = "TERMINAL_TEST_DRIVER"
	ttyScriptEnv     = "TERMINAL_TEST_SCRIPT"
	ttyTimeoutEnv    = "TERMINAL_TEST_TIMEOUT"
	ttyRunsEnv       = "TERMINAL_TEST_RUNS"
	ttyBackgroundEnv = "TERMINAL_TEST_BACKGROUND"
)

func init() { proctest.DriveIf(ttyDriverEnv, runOnTerminal) }

// waitDelay is how long execjson.Run waits, after the command is killed,
// for pipes a descendant holds open.
const waitDelay = time.Second

// runOnTerminal is the driver: ttyRunsEnv runs at once (default one), and
// with ttyBackgroundEnv set, from the background, another job holding the
// terminal. The value is the access key ids returned, sorted, or "kept"
// when the other job still holds the terminal afterwards.
func runOnTerminal() (string, bool, error) {
	timeout, err := time.ParseDuration(os.Getenv(ttyTimeoutEnv))
	if err != nil {
		return "", false, err
	}
	runs, _ := strconv.Atoi(os.Getenv(ttyRunsEnv))
	if os.Getenv(ttyBackgroundEnv) != "" {
		return runInBackground(timeout)
	}
	c := execjson.Command{
		Shell:     os.Getenv(ttyScriptEnv),
		Stdin:     os.Stdin,
		Stderr:    os.Stderr,
		Timeout:   timeout,
		MaxOutput: 64 << 10,
	}
	ids := make([]string, max(runs, 1))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			res, err := execjson.Run(context.Background(), c)
			if err == nil {
				var creds execjson.Credentials
				creds, err = execjson.Parse(res.Stdout, time.Now())
				ids[i] = creds.AccessKeyID
			}
			errs[i] = err
		})
	}
	wg.Wait()
	err = errors.Join(errs...)
	slices.Sort(ids)
	return strings.Join(ids, " "), errors.Is(err, terminal.ErrInterrupted), err
}

// runInBackground puts another job in the terminal's foreground, runs the
// script and reports whether that job kept the terminal.
func runInBackground(timeout time.Duration) (string, bool, error) {
	job := exec.Command("sleep", "60")
	job.Stdin = os.Stdin
	job.SysProcAttr = &syscall.SysProcAttr{Foreground: true, Ctty: 0}
	if err := job.Start(); err != nil {
		return "", false, err
	}
	_, runErr := execjson.Run(context.Background(), execjson.Command{
		Shell: os.Getenv(ttyScriptEnv), Stdin: os.Stdin, Stderr: os.Stderr, Timeout: timeout, MaxOutput: 64 << 10,
	})
	fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	job.Process.Kill() //nolint:errcheck // ended either way
	job.Wait()         //nolint:errcheck // killed
	// Back to the foreground, as the user's shell would put this job.
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	if err := unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, unix.Getpgrp()); err != nil {
		return "", false, err
	}
	if err != nil || fg != job.Process.Pid {
		return "taken", false, runErr
	}
	return "kept", false, runErr
}

// Producers that prompt: one on stderr reading stdin, as aws-vault does,
// and one on /dev/tty that turns echo off first, as a password prompt does.
// Each records its pid, which is also its process group's id.
// withChild adds a background child that ignores SIGINT, as sh starts it.
const (
	promptStderr = `echo $$ >"$PIDFILE"
printf 'Enter MFA code: ' >&2
read code
printf '{"Version":1,"AccessKeyId":"AKIDEXAMPLE%s","SecretAccessKey":"s"}\n' "$code"
`
	promptTTYNoEcho = `echo $$ >"$PIDFILE"
stty -echo </dev/tty
printf 'Password: ' >/dev/tty
read code </dev/tty
printf '{"Version":1,"AccessKeyId":"AKIDEXAMPLE%s","SecretAccessKey":"s"}\n' "$code"
`
)

func withChild(script string) string {
	pidLine, rest, _ := strings.Cut(script, "\n")
	return pidLine + "\nsleep 60 >/dev/null 2>&1 &\n" + rest
}

// startDriver runs script through execjson.Run in a driver on a new terminal.
func startDriver(t *testing.T, script string, timeout time.Duration, env ...string) (*proctest.Terminal, *strings.Builder, string) {
	t.Helper()
	env = append([]string{ttyDriverEnv + "=1", ttyScriptEnv + "=" + script, ttyTimeoutEnv + "=" + timeout.String()}, env...)
	return proctest.StartDriver(t, env...)
}

func TestRunTerminalPrompt(t *testing.T) {
	tests := []struct {
		name, script, prompt string
	}{
		{"stderr and stdin", promptStderr, "Enter MFA code: "},
		{"dev tty without echo", promptTTYNoEcho, "Password: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, stdout, pidfile := startDriver(t, tt.script, time.Minute)
			sinceTyped := term.Answer(t, tt.prompt, "123456\r")
			r := proctest.DecodeReport(t, []byte(stdout.String()))
			if r.Err != "" || r.Value != "AKIDEXAMPLE123456" {
				t.Errorf("run on a terminal = %q, %q; want AKIDEXAMPLE123456, no error", r.Value, r.Err)
			}
			r.CheckAnswered(t, "driver", pidfile, sinceTyped)
		})
	}
}

func TestRunTerminalInterrupt(t *testing.T) {
	tests := []struct {
		name, script, prompt string
	}{
		{"stderr and stdin", promptStderr, "Enter MFA code: "},
		{"dev tty without echo and a child", withChild(promptTTYNoEcho), "Password: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term, stdout, pidfile := startDriver(t, tt.script, time.Minute)
			term.WaitFor(t, tt.prompt)
			pgid := proctest.ReadPID(t, pidfile)
			typed := time.Now()
			term.Type(t, "12\x03")
			term.Exited(t)
			sinceTyped := time.Since(typed)
			r := proctest.DecodeReport(t, []byte(stdout.String()))
			if !r.Interrupted || !r.GotSIGINT {
				t.Errorf("Ctrl-C: run error %q (interrupted %v), driver got SIGINT %v; want interrupted, and SIGINT passed on",
					r.Err, r.Interrupted, r.GotSIGINT)
			}
			r.CheckRestored(t)
			proctest.GroupGone(t, pgid)
			if sinceTyped > proctest.Answered {
				t.Errorf("driver took %v after Ctrl-C; want under %v", sinceTyped, proctest.Answered)
			}
			t.Logf("from Ctrl-C to driver exit: %v", sinceTyped)
		})
	}
}

func TestRunTerminalTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 300ms timeout")
	}
	const timeout = 300 * time.Millisecond
	term, stdout, pidfile := startDriver(t, promptTTYNoEcho, timeout)
	term.WaitFor(t, "Password: ")
	term.Exited(t)
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if !strings.Contains(r.Err, "timed out after "+timeout.String()) {
		t.Errorf("unanswered prompt: error %q; want a timeout", r.Err)
	}
	if limit := timeout + waitDelay + time.Second; r.Seconds > limit.Seconds() {
		t.Errorf("unanswered prompt: Run took %.3fs; want within %v", r.Seconds, limit)
	}
	r.CheckRestored(t)
	proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
}

// Two runs prompting at once take turns: each gets its own answer.
func TestRunTerminalOneAtATime(t *testing.T) {
	term, stdout, _ := startDriver(t, promptStderr, time.Minute, ttyRunsEnv+"=2")
	term.WaitFor(t, "Enter MFA code: ")
	term.Type(t, "111111\r")
	term.WaitFor(t, "Enter MFA code: ")
	term.Type(t, "222222\r")
	term.Exited(t)
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if want := "AKIDEXAMPLE111111 AKIDEXAMPLE222222"; r.Err != "" || r.Value != want {
		t.Errorf("two runs on a terminal = %q, %q; want %q, no error", r.Value, r.Err, want)
	}
	r.CheckRestored(t)
}

// A program in the background leaves the terminal to the job in the
// foreground: the prompting command stops until the timeout ends it.
func TestRunTerminalFromBackground(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 300ms timeout")
	}
	const timeout = 300 * time.Millisecond
	term, stdout, pidfile := startDriver(t, promptStderr, timeout, ttyBackgroundEnv+"=1")
	term.Exited(t)
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if r.Value != "kept" || !strings.Contains(r.Err, "timed out after "+timeout.String()) {
		t.Errorf("run from the background: terminal %q, error %q; want kept by the foreground job, a timeout", r.Value, r.Err)
	}
	r.CheckRestored(t)
	proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
}

// A producer reading a terminal that is not the controlling one is never
// stopped, and needs nothing lent.
func TestRunOtherTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	c := execjson.Command{
		Shell:     `printf 'Enter MFA code: ' >&2; read code; printf '{"Version":1,"AccessKeyId":"AKIDEXAMPLE%s","SecretAccessKey":"s"}\n' "$code"`,
		Stdin:     tty,
		Stderr:    tty,
		Timeout:   time.Minute,
		MaxOutput: 64 << 10,
	}
	done := make(chan error, 1)
	var res execjson.Result
	go func() {
		var err error
		res, err = execjson.Run(context.Background(), c)
		done <- err
	}()
	var seen []byte
	buf := make([]byte, 256)
	for !strings.Contains(string(seen), "Enter MFA code: ") {
		n, err := ptmx.Read(buf)
		if err != nil {
			t.Fatalf("reading the terminal: %v (read %q)", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
	if _, err := ptmx.WriteString("123456\r"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	creds, err := execjson.Parse(res.Stdout, time.Now())
	if err != nil || creds.AccessKeyID != "AKIDEXAMPLE123456" {
		t.Errorf("run on another terminal = %q, %v; want AKIDEXAMPLE123456", creds.AccessKeyID, err)
	}
}
