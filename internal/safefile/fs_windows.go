package safefile

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// CheckOwner refuses a symbolic link. Mode bits mean nothing on Windows,
// and the owner and access list of the file are not checked: the README
// says so. The default directory is under %LocalAppData%, which only its
// user can read.
func CheckOwner(path string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return &UnsafeError{Path: path, Problem: "is a symbolic link"}
	}
	return nil
}

// openNoFollow opens path, refusing a symbolic link (or another reparse point) in
// its last element: os.OpenFile would follow it, and a check of the opened
// file would see only the target.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return nil, &UnsafeError{Path: path, Problem: "is a symbolic link"}
	}
	return os.OpenFile(path, flag, perm)
}

// TryLock takes the exclusive LockFileEx lock of f's first byte without
// waiting. The lock is mandatory, which is why the entry lives in a file of
// its own. busy reports a lock held elsewhere.
func TryLock(f *os.File) (busy bool, err error) {
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return true, nil
	}
	return false, err
}

// Unlock releases the lock of f.
func Unlock(f *os.File) error {
	var ol windows.Overlapped
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

// Replace renames tmp over path. Another process reading the entry at
// that moment makes the rename fail with a sharing violation: it is tried
// again for a while.
func Replace(tmp, path, _ string) error {
	var err error
	for try := 0; try < 50; try++ {
		if err = os.Rename(tmp, path); err == nil || !sharingViolation(err) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return err
}

func sharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// CurrentUser identifies this user in an entry's identity: the SID of the
// process's user.
func CurrentUser() string {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "sid:unknown"
	}
	return "sid:" + u.User.Sid.String()
}

// FileID is zero: the size and modification time tell entries apart.
func FileID(fs.FileInfo) uint64 { return 0 }
