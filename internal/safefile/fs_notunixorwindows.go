//go:build !unix && !windows

package safefile

import (
	"errors"
	"io/fs"
	"os"
)

// errNoLocks: this system has no file locks this package can use; a
// provider then runs its command unshared.
var errNoLocks = errors.New("file locks are not supported on this system")

// CheckOwner checks nothing here.
func CheckOwner(string, fs.FileInfo) error { return nil }

// openNoFollow opens path.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

// TryLock fails: there are no file locks to take.
func TryLock(*os.File) (bool, error) { return false, errNoLocks }

// Unlock does nothing.
func Unlock(*os.File) error { return nil }

// Replace renames tmp over path.
func Replace(tmp, path, _ string) error { return os.Rename(tmp, path) }

// CurrentUser names no user.
func CurrentUser() string { return "user:unknown" }

// FileID is zero.
func FileID(fs.FileInfo) uint64 { return 0 }
