// Package proctest checks from tests that a command left no process behind.
//
// A credential_process command runs in a process group of its own, led by
// the process that was started, so the group's id is that process's pid.
// Commands under test record it (a shell line starts with
// `echo $$ >"$PIDFILE"`), and [GroupGone] waits until no live member of the
// group remains.
//
// The check reads /proc and so runs on Linux only; elsewhere [Supported] is
// false and [GroupGone] checks nothing.
package proctest

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Grace is how long [GroupGone] waits for killed processes to disappear. It
// is a functional bound (far below the minute a stray sleep would run), not
// a performance threshold.
const Grace = 10 * time.Second

// ReadPID returns the pid written to path, or 0 if path does not exist (the
// command never started).
func ReadPID(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// GroupGone fails t unless every live process of group pgid is gone within
// [Grace]. Zombies count as gone: reaping orphans is init's job.
func GroupGone(t testing.TB, pgid int) {
	t.Helper()
	if pgid <= 0 {
		t.Fatalf("no process group recorded (pid %d)", pgid)
	}
	if !Supported {
		return
	}
	deadline := time.Now().Add(Grace)
	for {
		live := LiveMembers(pgid)
		if len(live) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has live members %v", pgid, live)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
