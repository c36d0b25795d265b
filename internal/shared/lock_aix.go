package shared

import (
	"errors"
	"os"
)

// AIX has no flock(2), and its fcntl record locks belong to the process:
// two providers of one program would not exclude each other. Sharing is
// off there; a provider warns once and runs its command itself.

func tryLock(*os.File) (bool, error) { return false, errors.New("flock is not available on AIX") }

func unlock(*os.File) error { return nil }
