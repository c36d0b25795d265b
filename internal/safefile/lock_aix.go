package safefile

import (
	"errors"
	"os"
)

// AIX has no flock(2), and its fcntl record locks belong to the process:
// two providers of one program would not exclude each other. Sharing is
// off there; a provider warns once and runs its command itself.

// TryLock fails: see above.
func TryLock(*os.File) (bool, error) { return false, errors.New("flock is not available on AIX") }

// Unlock does nothing.
func Unlock(*os.File) error { return nil }
