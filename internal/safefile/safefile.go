// Package safefile keeps files only this user can touch: it refuses a file
// or directory that is a symbolic link, another user's, or open to the
// group or others; opens without following a link; locks a file against
// other processes; and replaces a file whole.
package safefile

import (
	"io/fs"
	"os"
)

// UnsafeError reports a directory or file that is not safe to keep
// credentials in: a symbolic link, another user's, or open to others.
type UnsafeError struct {
	Path    string
	Problem string
}

func (e *UnsafeError) Error() string { return "shared cache: " + e.Path + " " + e.Problem }

// Open opens path without following a symbolic link in its last element,
// and refuses, closed, a file that is not a regular file safe by
// CheckOwner, with an *UnsafeError. The check is of the opened file, so a
// file swapped in after it cannot be the one read or locked.
func Open(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := openNoFollow(path, flag, perm)
	if err != nil {
		return nil, err
	}
	if err := checkFile(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkFile checks an open file: a regular file, safe by CheckOwner.
func checkFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &UnsafeError{Path: path, Problem: "is not a regular file"}
	}
	return CheckOwner(path, fi)
}
