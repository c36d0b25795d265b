package terminal

import (
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	ioctlGetTermios = unix.TIOCGETA
	ioctlSetTermios = unix.TIOCSETA
)

// withoutSIGTTOU runs f with SIGTTOU ignored, so that the kernel lets a
// background group set the terminal's foreground group instead of stopping
// it. macOS honours a per-thread mask for this too, but golang.org/x/sys
// offers no pthread_sigmask there; ignoring the signal for the moment is
// what Go shells do. A program that had asked to be notified of SIGTTOU
// loses that request.
func withoutSIGTTOU(f func()) {
	if signal.Ignored(syscall.SIGTTOU) {
		f()
		return
	}
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	f()
}

// followStops does nothing here: golang.org/x/sys offers no waitid on macOS,
// and waiting for a stop with wait4 would also reap the command under
// os/exec. A command stopped by Ctrl-Z keeps the terminal until the timeout.
func (*Loan) followStops(int) (stopWatching func()) { return func() {} }
