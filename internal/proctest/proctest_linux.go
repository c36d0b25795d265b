//go:build linux

package proctest

import (
	"os"
	"strconv"
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
		f, ok := procStat(pid) // not ok: exited meanwhile
		if ok && len(f) > 2 && f[2] == want && f[0] != "Z" {
			live = append(live, pid)
		}
	}
	return live
}
