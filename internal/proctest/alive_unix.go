//go:build unix

package proctest

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Alive reports whether process pid runs. A zombie has ended (reaping
// orphans is init's job); where /proc cannot tell, a zombie counts as
// running.
func Alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	f, ok := procStat(pid)
	return !ok || f[0] != "Z"
}

// procStat returns the fields of /proc/PID/stat after the command name:
// state, ppid, pgrp and on. ok is false where /proc cannot tell: no /proc,
// the process gone meanwhile, or a line that does not parse.
func procStat(pid int) (fields []string, ok bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, false
	}
	// The command name is parenthesised and may hold spaces and
	// parentheses: the fields start after the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(string(stat[i+1:]))
	return f, len(f) > 0
}
