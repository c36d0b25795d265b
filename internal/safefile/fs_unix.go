//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// CheckOwner refuses a file or directory that is a symlink, that another
// user owns, or that the group or others may access in any way: an entry
// holds a secret key in plain text, and another user who could write it
// could make this user sign with credentials of their choosing.
func CheckOwner(path string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return &UnsafeError{Path: path, Problem: "is a symbolic link"}
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &UnsafeError{Path: path, Problem: fmt.Sprintf("is accessible to the group or others (mode %#o; want %#o)", perm, perm&^0o077)}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return &UnsafeError{Path: path, Problem: fmt.Sprintf("is owned by uid %d, not by this user (uid %d)", st.Uid, uid)}
	}
	return nil
}

// openNoFollow opens path without following a symbolic link in its last
// element, so that a link swapped in after a check is not followed.
func openNoFollow(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW, perm)
	if errors.Is(err, unix.ELOOP) {
		return nil, &UnsafeError{Path: path, Problem: "is a symbolic link"}
	}
	return f, err
}

// Replace renames tmp over path, then syncs the directory so that the
// rename survives a crash.
func Replace(tmp, path, dir string) error {
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	d.Sync() //nolint:errcheck // some filesystems cannot sync a directory; the rename stands
	return nil
}

// CurrentUser identifies this user in an entry's identity.
func CurrentUser() string { return fmt.Sprintf("uid:%d", os.Getuid()) }

// FileID returns the inode of a file.
func FileID(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
