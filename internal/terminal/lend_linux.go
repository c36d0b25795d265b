package terminal

import (
	"errors"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TCGETS
	ioctlSetTermios = unix.TCSETS
)

// withoutSIGTTOU runs f with SIGTTOU blocked in the calling thread only: the
// kernel then lets a background group set the terminal's foreground group
// instead of stopping it. Blocking, unlike ignoring the signal, changes no
// process-wide disposition that the program may have set up.
func withoutSIGTTOU(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set, old unix.Sigset_t
	bits := uint(unsafe.Sizeof(set.Val[0]) * 8)
	n := uint(unix.SIGTTOU - 1)
	set.Val[n/bits] |= 1 << (n % bits)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &set, &old); err != nil {
		f()
		return
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil) //nolint:errcheck // restores the mask read above
	f()
}

// cldStopped is the si_code of a child stopped by a signal (CLD_STOPPED).
const cldStopped = 5

// followStops handles Ctrl-Z while the command holds the terminal. The
// terminal stops the command's group only; left alone, the command would
// keep the terminal, stopped, with the user's keys going nowhere, until the
// timeout. So, as a shell does for its job, each time the command stops
// the terminal is taken back and this process stops itself the same way,
// handing control to the user's shell; once continued in the foreground it
// lends the terminal again and continues the command.
//
// It watches the command's leader with waitid(WNOWAIT) on a pidfd, which
// sees stops without reaping, so os/exec still waits for the exit and no
// recycled pid can be watched. Without pidfds (Linux before 5.3) a stopped
// command waits for the timeout. stopWatching returns once the watcher has
// ended, which it does when the command exits.
func (t *Loan) followStops(pid int) (stopWatching func()) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer unix.Close(pidfd)
		for {
			var info unix.Siginfo
			err := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WSTOPPED|unix.WEXITED|unix.WNOWAIT, nil)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil || info.Code != cldStopped {
				return
			}
			t.suspend(pid)
		}
	}()
	return func() { <-done }
}

// suspend stops this process's job because the command's group pgid
// stopped, and continues the command once this process continues.
func (t *Loan) suspend(pgid int) {
	var modes *unix.Termios
	sig := syscall.SIGTTIN // in the background: this job wants the terminal
	if fg, err := unix.IoctlGetInt(t.fd, unix.TIOCGPGRP); err == nil && fg == pgid {
		// The command stopped holding the terminal (Ctrl-Z): give the
		// shell back the terminal as it was, keeping the command's settings
		// (echo off at a password prompt) for when it continues.
		modes, _ = unix.IoctlGetTermios(t.fd, ioctlGetTermios)
		t.reclaim()
		sig = syscall.SIGTSTP
	}
	// The signal to the group stops the whole job, as the key would have,
	// but this process may stop a moment after kill returns, when another
	// thread takes the signal. The same signal sent to this thread stops it
	// before tgkill returns, so nothing below runs until the job is
	// continued. The kernel discards both in an orphaned group, and a
	// program may handle the signal: either way this returns at once and
	// the command continues.
	runtime.LockOSThread()
	syscall.Kill(0, sig)                           //nolint:errcheck // signalling one's own group does not fail
	unix.Tgkill(unix.Getpid(), unix.Gettid(), sig) //nolint:errcheck // nor one's own thread
	runtime.UnlockOSThread()
	if fg, err := unix.IoctlGetInt(t.fd, unix.TIOCGPGRP); err == nil && fg == t.pgrp {
		if modes != nil {
			unix.IoctlSetTermios(t.fd, ioctlSetTermios, modes) //nolint:errcheck // the command may set them itself
		}
		unix.IoctlSetPointerInt(t.fd, unix.TIOCSPGRP, pgid) //nolint:errcheck // then the command stops again, and so do we
	} else {
		// Continued in the background (bg): the command runs there and
		// stops again if it reads the terminal, and so does this job. The
		// pause keeps that from spinning when this process cannot stop.
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(-pgid, syscall.SIGCONT) //nolint:errcheck // the command may have been killed meanwhile
}
