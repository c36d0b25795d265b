package execjson

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
