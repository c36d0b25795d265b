//go:build linux

package proctest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Supported reports whether [LiveMembers] can see process groups here.
const Supported = true

// LiveMembers returns the pids of the processes of group pgid that are not
// zombies.
func LiveMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	want := strconv.Itoa(pgid)
	var live []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		// The command name is parenthesised and may hold spaces; the fields
		// after it are: state ppid pgrp ...
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 || i+2 > len(stat) {
			continue
		}
		f := strings.Fields(string(stat[i+2:]))
		if len(f) > 2 && f[2] == want && f[0] != "Z" {
			live = append(live, pid)
		}
	}
	return live
}
