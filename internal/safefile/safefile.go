// Package safefile keeps files only this user can touch: it refuses a file
// or directory that is a symbolic link, another user's, or open to the
// group or others; opens without following a link; locks a file against
// other processes; and replaces a file whole.
package safefile

import (
	"os"
)

// UnsafeError reports a directory or file that is not safe to keep
// credentials in: a symbolic link, another user's, or open to others.
type UnsafeError struct {
	Path    string
	Problem string
}

func (e *UnsafeError) Error() string { return "shared cache: " + e.Path + " " + e.Problem }

// CheckFile checks an open file: a regular file, safe by CheckOwner.
func CheckFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &UnsafeError{Path: path, Problem: "is not a regular file"}
	}
	return CheckOwner(path, fi)
}
