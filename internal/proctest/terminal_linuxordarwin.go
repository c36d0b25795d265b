//go:build linux || darwin

package proctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Answered bounds how long a run on a terminal may take once the user has
// answered its prompt. A producer stopped by the terminal waits for its
// timeout instead; one that reads the answer finishes in milliseconds. It is
// a functional bound, far above that.
const Answered = time.Second

// Terminal is the user's side of a pseudo-terminal whose other side is the
// controlling terminal of a process started by [StartOnTerminal]: what the
// process writes to the terminal can be awaited, and keys can be typed.
//
// Foreground process groups and the job-control signals (SIGTTIN, SIGINT
// from Ctrl-C) only apply to a process's controlling terminal, and the test
// binary itself may have none (CI) or the developer's: so the code under
// test runs in a child that leads a session of its own on the pty.
type Terminal struct {
	ptmx *os.File
	cmd  *exec.Cmd
	read chan struct{} // closed when the output copy ends

	mu      sync.Mutex
	out     bytes.Buffer  // guarded by mu
	waited  int           // guarded by mu; WaitFor searches out from here
	changed chan struct{} // guarded by mu; closed and replaced on each write
}

// StartOnTerminal starts cmd as the leader of a new session whose
// controlling terminal is a new pseudo-terminal, with the terminal as its
// stdin and stderr. cmd.Stdout is left as the caller set it, so that a
// report the child prints is not mixed with the prompts. The child is
// killed and the terminal closed when t ends.
func StartOnTerminal(t testing.TB, cmd *exec.Cmd) *Terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	if ptmx, err = pollable(ptmx); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	cmd.Stdin, cmd.Stderr = tty, tty
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	// A race-enabled binary waits a second at exit by default, which would
	// hide how long the code under test took.
	cmd.Env = append(cmd.Env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	err = cmd.Start()
	tty.Close()
	if err != nil {
		ptmx.Close()
		t.Fatal(err)
	}
	tm := &Terminal{ptmx: ptmx, cmd: cmd, read: make(chan struct{}), changed: make(chan struct{})}
	go tm.copyOutput()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() //nolint:errcheck // it may have exited
			cmd.Wait()         //nolint:errcheck // killed
		}
		ptmx.Close()
		<-tm.read
	})
	return tm
}

// StartDriver starts the test binary again as a driver on a new terminal
// (see [StartOnTerminal]), with env added to its environment and PIDFILE
// naming a file for the command under test to record its process group in
// (see [ReadPID]). It returns the terminal, what the driver prints on
// stdout (its [Report]) and the pid file's path. The test binary's init
// recognises the driver by a variable in env and runs [Drive].
func StartDriver(t testing.TB, env ...string) (*Terminal, *strings.Builder, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), env...), "PIDFILE="+pidfile)
	stdout := new(strings.Builder)
	cmd.Stdout = stdout
	return StartOnTerminal(t, cmd), stdout, pidfile
}

// pollable returns f as a file in the runtime's poller: pty.Open leaves the
// master in blocking mode, and a blocked Read would outlive Close while a
// stray process still holds the terminal, hanging the test's cleanup.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

// copyOutput collects the terminal's output until the terminal is closed
// or its last user has gone (EIO on Linux).
func (tm *Terminal) copyOutput() {
	defer close(tm.read)
	buf := make([]byte, 4096)
	for {
		n, err := tm.ptmx.Read(buf)
		tm.mu.Lock()
		tm.out.Write(buf[:n])
		close(tm.changed)
		tm.changed = make(chan struct{})
		tm.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// WaitFor waits until the terminal shows s after what earlier calls waited
// for, failing t after a functional bound of [Grace] (a prompt takes
// milliseconds).
func (tm *Terminal) WaitFor(t testing.TB, s string) {
	t.Helper()
	timeout := time.After(Grace)
	for {
		tm.mu.Lock()
		i := strings.Index(tm.out.String()[tm.waited:], s)
		if i >= 0 {
			tm.waited += i + len(s)
		}
		changed := tm.changed
		tm.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-changed:
		case <-tm.read:
			t.Fatalf("terminal closed before showing %q; it showed %q", s, tm.Output())
		case <-timeout:
			t.Fatalf("terminal did not show %q within %v; it showed %q", s, Grace, tm.Output())
		}
	}
}

// Type writes s to the terminal as keys typed by the user: "\r" is Enter,
// "\x03" is Ctrl-C.
func (tm *Terminal) Type(t testing.TB, s string) {
	t.Helper()
	if _, err := tm.ptmx.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// Answer waits for prompt, types keys and waits for the child to exit,
// failing t if it exits with an error. It returns how long the child took
// after the keys were typed.
func (tm *Terminal) Answer(t testing.TB, prompt, keys string) time.Duration {
	t.Helper()
	tm.WaitFor(t, prompt)
	typed := time.Now()
	tm.Type(t, keys)
	tm.Exited(t)
	return time.Since(typed)
}

// Exited waits for the child to exit, failing t if it exits with an
// error.
func (tm *Terminal) Exited(t testing.TB) {
	t.Helper()
	if err := tm.Wait(t); err != nil {
		t.Fatalf("process on the terminal: %v; the terminal showed %q", err, tm.Output())
	}
}

// Output returns everything the terminal has shown so far.
func (tm *Terminal) Output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// Wait waits for the child to exit, within the functional bound [Grace].
func (tm *Terminal) Wait(t testing.TB) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- tm.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(Grace):
		tm.cmd.Process.Kill() //nolint:errcheck // it may have exited
		<-done
		t.Fatalf("process on the terminal did not exit within %v; the terminal showed %q", Grace, tm.Output())
		return nil
	}
}

// TerminalState is what a process on a terminal sees of it: whether its own
// process group is the terminal's foreground group, and the line settings
// as `stty -g` prints them.
type TerminalState struct {
	Foreground bool   `json:"foreground"`
	Settings   string `json:"settings"`
}

// ReadTerminalState reads the state of the controlling terminal on stdin.
func ReadTerminalState() (TerminalState, error) {
	fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	if err != nil {
		return TerminalState{}, err
	}
	stty := exec.Command("stty", "-g")
	stty.Stdin = os.Stdin
	settings, err := stty.Output()
	if err != nil {
		return TerminalState{}, err
	}
	return TerminalState{Foreground: fg == unix.Getpgrp(), Settings: strings.TrimSpace(string(settings))}, nil
}

// Report is what a driver on a terminal prints on stdout for the test to
// check: the terminal before and after the code under test ran, its
// outcome, and whether this process received SIGINT.
type Report struct {
	Before      TerminalState `json:"before"`
	After       TerminalState `json:"after"`
	Err         string        `json:"err,omitempty"`
	Interrupted bool          `json:"interrupted"` // the error says the run was interrupted
	GotSIGINT   bool          `json:"got_sigint"`
	Value       string        `json:"value,omitempty"` // what the code under test returned, without secrets
	Seconds     float64       `json:"seconds"`         // how long the code under test ran
}

// DecodeReport reads the Report a driver printed.
func DecodeReport(t testing.TB, stdout []byte) Report {
	t.Helper()
	var r Report
	if err := json.Unmarshal(stdout, &r); err != nil {
		t.Fatalf("driver report %q: %v", stdout, err)
	}
	return r
}

// CheckRestored fails t unless the terminal was left as it was found: the
// driver's group in the foreground and the line settings unchanged.
func (r Report) CheckRestored(t testing.TB) {
	t.Helper()
	if !r.Before.Foreground {
		t.Errorf("driver was not in the foreground before the run")
	}
	if !r.After.Foreground {
		t.Errorf("after the run the terminal's foreground group is not the driver's")
	}
	if r.After.Settings != r.Before.Settings {
		t.Errorf("terminal settings after the run = %q; want %q", r.After.Settings, r.Before.Settings)
	}
}

// DriveIf makes the test binary a driver when the environment variable env
// is set (by the test that started it with [StartDriver]): it runs [Drive]
// with run and exits with its status. Call it from init, so that a package
// needs no TestMain for it.
func DriveIf(env string, run func() (value string, interrupted bool, err error)) {
	if os.Getenv(env) != "" {
		os.Exit(Drive(run))
	}
}

// CheckAnswered checks a run that read an answer typed sinceTyped before
// the driver exited: the terminal left as it was found ([Report.CheckRestored]),
// no live process left in the group recorded in pidfile, and the driver
// done within [Answered]. what names the code under test in a failure.
func (r Report) CheckAnswered(t testing.TB, what, pidfile string, sinceTyped time.Duration) {
	t.Helper()
	r.CheckRestored(t)
	GroupGone(t, ReadPID(t, pidfile))
	if sinceTyped > Answered {
		t.Errorf("%s took %v after the code was typed; want under %v", what, sinceTyped, Answered)
	}
	t.Logf("from code typed to %s's exit: %v", what, sinceTyped)
}

// Drive is the body of a driver: it runs run with the controlling terminal
// on stdin, catching SIGINT (a re-raised Ctrl-C must reach this process, not
// kill it before it reports), and prints the [Report] on stdout. It returns
// the exit status for the driver.
func Drive(run func() (value string, interrupted bool, err error)) int {
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	var r Report
	var err error
	if r.Before, err = ReadTerminalState(); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		return 1
	}
	start := time.Now()
	r.Value, r.Interrupted, err = run()
	r.Seconds = time.Since(start).Seconds()
	if err != nil {
		r.Err = err.Error()
	}
	if r.Interrupted {
		select {
		case <-sigint:
			r.GotSIGINT = true
		case <-time.After(Grace):
		}
	}
	if r.After, err = ReadTerminalState(); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}
