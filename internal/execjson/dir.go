package execjson

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
)

// dirError reports a command that could not start because its working
// directory does not exist or is not a directory, which the system reports
// as the program missing ("fork/exec /bin/sh: no such file or directory").
// The directory is the user's choice, not a secret, so it is named.
type dirError struct {
	dir   string
	stat  error // os.Stat's error; nil when dir is a file
	start error // the error starting the command
}

func (e *dirError) Error() string {
	if e.stat == nil {
		return "working directory " + strconv.Quote(e.dir) + " is not a directory"
	}
	if errors.Is(e.stat, fs.ErrNotExist) {
		return "working directory " + strconv.Quote(e.dir) + " does not exist"
	}
	return "working directory " + strconv.Quote(e.dir) + ": " + e.stat.Error()
}

// Unwrap returns the stat error, so that errors.Is(err, fs.ErrNotExist)
// holds for a missing directory on every system, and the start error.
func (e *dirError) Unwrap() []error {
	if e.stat == nil {
		return []error{e.start}
	}
	return []error{e.stat, e.start}
}

// startError returns err, the error of a command that did not start, as a
// *dirError when the working directory dir is why: it is set and does not
// exist, is not a directory, or cannot be read.
func startError(dir string, err error) error {
	if dir == "" {
		return err
	}
	fi, statErr := os.Stat(dir)
	if statErr == nil && fi.IsDir() {
		return err
	}
	return &dirError{dir: dir, stat: statErr, start: err}
}
