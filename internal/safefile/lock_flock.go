//go:build unix && !aix

package safefile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// TryLock takes the exclusive flock(2) lock of f without waiting. A
// flock lock belongs to the open file description: closing f releases it,
// and so does the death of this process, and no other descriptor this
// program opens on the file drops it (POSIX fcntl locks would). Go opens
// files close-on-exec, so no command inherits it. busy reports a lock held
// elsewhere.
func TryLock(f *os.File) (busy bool, err error) {
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return true, nil
		}
		return false, err
	}
}

// Unlock releases the lock of f.
func Unlock(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
