//go:build unix

package execjson

import "syscall"

// killGroupOf kills process group pgid, for a test's cleanup.
func killGroupOf(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL) //nolint:errcheck // it may be gone
}
