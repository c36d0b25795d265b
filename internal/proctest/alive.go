package proctest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// ProcessGone fails t unless process pid has ended within [Grace]. Unlike
// [GroupGone] it needs no process group, so it checks a process on every
// system: Wine's tasklist.exe is a stub, so Windows asks the process
// itself ([Alive]).
func ProcessGone(t testing.TB, pid int) {
	t.Helper()
	if pid <= 0 {
		t.Fatalf("no pid recorded (%d)", pid)
	}
	deadline := time.Now().Add(Grace)
	for Alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs %v after the run returned", pid, Grace)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ReadPIDs returns the pids written to path one a line, or nil if path
// does not exist (the command never started).
func ReadPIDs(t testing.TB, path string) []int {
	t.Helper()
	b, _ := readIfExists(t, path)
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("pid file %s: %v", path, err)
		}
		pids = append(pids, pid)
	}
	return pids
}
