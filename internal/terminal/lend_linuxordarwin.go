//go:build linux || darwin

package terminal

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// ttyLock is held by the one run that holds the terminal. Two producers
// prompting at once would each read part of what the user types, and the
// first to finish would take the terminal back from the other.
var ttyLock = make(chan struct{}, 1)

// Loan is the controlling terminal lent to one run of a command.
type Loan struct {
	cmd   *exec.Cmd
	fd    int
	pgrp  int           // this process's group, which gets the terminal back
	saved *unix.Termios // the settings before the run
}

// Lend prepares cmd, not yet started, to take the foreground of the
// controlling terminal on stdin, and holds the terminal for that run
// until [Loan.Run] returns: one run at a time holds it. cmd must start a
// process group of its own (cmd.SysProcAttr.Setpgid). Lend returns nil,
// and leaves cmd as it is, when stdin is not this process's controlling
// terminal or this process is not in its foreground: the caller then runs
// cmd as it would have. The error is the cause of ctx's end while waiting
// for another run to finish with the terminal.
func Lend(ctx context.Context, cmd *exec.Cmd, stdin io.Reader) (*Loan, error) {
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
	return &Loan{cmd: cmd, fd: fd, pgrp: fg, saved: saved}, nil
}

// Run runs the command with the terminal lent to it and takes the
// terminal back once the command has exited, with its settings as they
// were before the run. When the command died of a signal the terminal
// sends (Ctrl-C, Ctrl-\), Run kills the rest of the command's group,
// raises the signal in this process and returns an error wrapping
// [ErrInterrupted]. Otherwise the error is the command's, as from
// [exec.Cmd.Run].
func (t *Loan) Run() error {
	cmd := t.cmd
	err := cmd.Start()
	if err == nil {
		stopWatching := t.followStops(cmd.Process.Pid)
		err = cmd.Wait()
		stopWatching()
	}
	return t.takeBack(err)
}

// reclaim makes this process's group the terminal's foreground group again
// and puts back the settings it had before the run.
func (t *Loan) reclaim() {
	withoutSIGTTOU(func() {
		unix.IoctlSetPointerInt(t.fd, unix.TIOCSPGRP, t.pgrp) //nolint:errcheck // nothing better to do than carry on
	})
	if now, err := unix.IoctlGetTermios(t.fd, ioctlGetTermios); err == nil && *now != *t.saved {
		unix.IoctlSetTermios(t.fd, ioctlSetTermios, t.saved) //nolint:errcheck // as above
	}
}

// takeBack returns the terminal to this process after the run ended with
// err, restores its settings and releases ttyLock, as Run says.
func (t *Loan) takeBack(err error) error {
	sig := terminalSignal(t.cmd)
	if sig != 0 {
		// A background child (sh starts them ignoring SIGINT) survives
		// the key; nothing of the command may outlive an interrupt.
		syscall.Kill(-t.cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // the group may be gone
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
