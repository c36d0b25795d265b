//go:build !unix && !windows

package shared

import (
	"errors"
	"io/fs"
	"os"
)

// errNoLocks: this system has no file locks this package can use; a
// provider then runs its command unshared.
var errNoLocks = errors.New("file locks are not supported on this system")

func checkOwner(string, fs.FileInfo) error { return nil }

func openFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

func tryLock(*os.File) (bool, error) { return false, errNoLocks }

func unlock(*os.File) error { return nil }

func replace(tmp, path, _ string) error { return os.Rename(tmp, path) }

func currentUser() string { return "user:unknown" }

func fileID(fs.FileInfo) uint64 { return 0 }
