package execjson

import (
	"runtime"
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
