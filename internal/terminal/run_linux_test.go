package terminal_test

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"golang.org/x/sys/unix"
)

// ttyShellEnv makes the test binary a minimal job-control shell on its
// terminal: it runs the driver as a foreground job in a group of its own,
// so that the driver can stop as a job does (a session leader's group is
// orphaned, and the kernel does not stop it for Ctrl-Z). When the job
// stops, the shell writes what it found to the terminal and puts the job
// back in the foreground, as `fg` does.
const ttyShellEnv = "TERMINAL_TEST_SHELL"

func init() {
	if os.Getenv(ttyShellEnv) != "" {
		os.Exit(jobShell())
	}
}

func jobShell() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "shell:", err)
		return 1
	}
	// The shell sets the foreground group while in the background.
	signal.Ignore(syscall.SIGTTOU)
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	before, err := proctest.ReadTerminalState()
	if err != nil {
		return fail(err)
	}
	job := exec.Command(exe)
	job.Env = append(os.Environ(), ttyShellEnv+"=", ttyDriverEnv+"=1")
	job.Stdin, job.Stdout, job.Stderr = os.Stdin, os.Stdout, os.Stderr
	job.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Foreground: true, Ctty: 0}
	if err := job.Start(); err != nil {
		return fail(err)
	}
	pid := job.Process.Pid
	for {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(pid, &ws, syscall.WUNTRACED, nil); err != nil {
			return fail(err)
		}
		if !ws.Stopped() {
			return ws.ExitStatus()
		}
		fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		if err != nil {
			return fail(err)
		}
		// Compared from the shell's group, as the user's shell sees it.
		if err := unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, unix.Getpgrp()); err != nil {
			return fail(err)
		}
		now, err := proctest.ReadTerminalState()
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(os.Stderr, "[job stopped by %v; terminal with the job %v, settings kept %v]\n",
			ws.StopSignal(), fg == pid, now.Settings == before.Settings)
		time.Sleep(50 * time.Millisecond) // the user types fg
		if err := unix.IoctlSetPointerInt(0, unix.TIOCSPGRP, pid); err != nil {
			return fail(err)
		}
		if err := syscall.Kill(-pid, syscall.SIGCONT); err != nil {
			return fail(err)
		}
		fmt.Fprintln(os.Stderr, "[job continued]")
	}
}

// Ctrl-Z at the prompt stops the program as a job, with the terminal given
// back to the shell as it was; fg resumes the prompt, which gets its answer.
func TestRunTerminalCtrlZ(t *testing.T) {
	term, stdout, pidfile := startDriver(t, promptTTYNoEcho, time.Minute, ttyShellEnv+"=1")
	term.WaitFor(t, "Password: ")
	term.Type(t, "\x1a")
	term.WaitFor(t, "[job stopped by stopped; terminal with the job true, settings kept true]")
	term.WaitFor(t, "[job continued]")
	term.Type(t, "123456\r")
	term.Exited(t)
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if r.Err != "" || r.Value != "AKIDEXAMPLE123456" {
		t.Errorf("run stopped and continued = %q, %q; want AKIDEXAMPLE123456, no error", r.Value, r.Err)
	}
	r.CheckRestored(t)
	proctest.GroupGone(t, proctest.ReadPID(t, pidfile))
}
