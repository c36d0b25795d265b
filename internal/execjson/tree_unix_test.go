//go:build unix

package execjson

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processAlive reports whether pid runs; a zombie has ended (reaping
// orphans is init's job).
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// killGroupOf kills process group pgid, for a test's cleanup.
func killGroupOf(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL) //nolint:errcheck // it may be gone
}
