//go:build linux || darwin

package execjson

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// A command runs in a process group of its own so that the timeout can kill
// everything it started. On a terminal that group is a background job, and
// the kernel stops a background job that reads its controlling terminal
// (SIGTTIN) or changes its settings, as a password prompt does to turn echo
// off (SIGTTOU): the producer would hang, stopped, until the timeout. The
// SDK's processcreds avoids this by not isolating the command, and pays
// for it with grandchildren that outlive the timeout.
//
// So when stdin is the controlling terminal and this process is in its
// foreground, the run lends the terminal to the command's group for the
// run, as a shell's job control does: the child makes its new group the
// foreground group before it execs (SysProcAttr.Foreground, done with
// signals blocked so that the child's own tcsetpgrp is not stopped), and
// this process takes the foreground back once the command has exited,
// with SIGTTOU held off because it is then a background group asking for
// the terminal. The kill-the-group timeout is unchanged.
//
// While the command holds the terminal, Ctrl-C and Ctrl-\ signal its group
// only. A shell that sees its foreground job die of SIGINT acts as if it
// had received the signal itself; in the same way, once the terminal is
// back, the run ends what is left of the command's group and raises the
// signal in this process, where it would have gone had the command shared
// its group: a program that does not handle SIGINT ends as it would have,
// one that does is told.
//
// Ctrl-Z stops the command's group only. On Linux the run then stops this
// process's job too, with the terminal handed back, and lends it again
// when continued (followStops in tty_linux.go), as a shell's job stops as
// a whole; on macOS the stopped command keeps the terminal until the
// timeout.
//
// The terminal's settings are saved before and put back after the run, as
// shells do for a job killed mid-prompt: a producer killed between "echo
// off" and "echo on" would otherwise leave the user typing blind.
//
// A process in the background (started with &, or stopped and resumed
// with bg) does not own the terminal and must not take it from the job
// that does: the run then changes nothing, and a producer that reads the
// terminal is stopped until the timeout ends it, as before.

// ttyLock is held by the one run that holds the terminal. Two producers
// prompting at once would each read part of what the user types, and the
// first to finish would take the terminal back from the other.
var ttyLock = make(chan struct{}, 1)

// terminal is the controlling terminal lent to one run.
type terminal struct {
	fd    int
	pgrp  int           // this process's group, which gets the terminal back
	saved *unix.Termios // the settings before the run
}

// lendTerminal prepares cmd to take the foreground of the controlling
// terminal on stdin, and takes ttyLock for the run. It returns nil, and
// leaves cmd as it is, when stdin is not this process's controlling
// terminal or this process is not in its foreground. The error is the
// cause of ctx's end while waiting for another run to finish with the
// terminal.
func lendTerminal(ctx context.Context, cmd *exec.Cmd, stdin io.Reader) (*terminal, error) {
	f, ok := stdin.(*os.File)
	if !ok {
		return nil, nil // a pipe to the command, never the terminal itself
	}
	// os/exec passes this descriptor to the child, reading it the same way.
	fd := int(f.Fd())
	// Only the controlling terminal has a foreground group: TIOCGPGRP fails
	// on any other file, and a command reading another terminal is never
	// stopped, so that case needs nothing.
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil {
		return nil, nil
	}
	select {
	case ttyLock <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	// Asked again under the lock: another run may have held the terminal.
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != unix.Getpgrp() {
		<-ttyLock
		return nil, nil
	}
	saved, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		<-ttyLock
		return nil, nil
	}
	cmd.SysProcAttr.Foreground = true
	// For Foreground, Ctty is a descriptor of this process, not the child's.
	cmd.SysProcAttr.Ctty = fd
	return &terminal{fd: fd, pgrp: fg, saved: saved}, nil
}

// run runs cmd holding the terminal; a nil t runs it as it is.
func (t *terminal) run(cmd *exec.Cmd) error {
	if t == nil {
		return runProcess(cmd)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	stopWatching := t.followStops(cmd.Process.Pid)
	err := cmd.Wait()
	stopWatching()
	return err
}

// reclaim makes this process's group the terminal's foreground group again
// and puts back the settings it had before the run.
func (t *terminal) reclaim() {
	withoutSIGTTOU(func() {
		unix.IoctlSetPointerInt(t.fd, unix.TIOCSPGRP, t.pgrp) //nolint:errcheck // nothing better to do than carry on
	})
	if now, err := unix.IoctlGetTermios(t.fd, ioctlGetTermios); err == nil && *now != *t.saved {
		unix.IoctlSetTermios(t.fd, ioctlSetTermios, t.saved) //nolint:errcheck // as above
	}
}

// takeBack returns the terminal to this process after cmd's run ended
// with err, restores its settings and releases ttyLock. When the command
// died of a signal the terminal sends (Ctrl-C, Ctrl-\), it kills the rest
// of the command's group, raises the signal in this process and returns an
// error wrapping ErrInterrupted. A nil t returns err as it is.
func (t *terminal) takeBack(cmd *exec.Cmd, err error) error {
	if t == nil {
		return err
	}
	sig := terminalSignal(cmd)
	if sig != 0 {
		// A background child (sh starts them ignoring SIGINT) survives
		// the key; nothing of the command may outlive an interrupt.
		killGroup(cmd)
	}
	t.reclaim()
	<-ttyLock
	if sig == 0 {
		return err
	}
	syscall.Kill(os.Getpid(), sig) //nolint:errcheck // signalling oneself does not fail
	return fmt.Errorf("%w (%w)", ErrInterrupted, err)
}

// terminalSignal returns SIGINT or SIGQUIT if cmd died of one, else 0.
func terminalSignal(cmd *exec.Cmd) syscall.Signal {
	if cmd.ProcessState == nil {
		return 0
	}
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0
	}
	if sig := ws.Signal(); sig == syscall.SIGINT || sig == syscall.SIGQUIT {
		return sig
	}
	return 0
}
