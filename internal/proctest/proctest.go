// Package proctest is what tests share to watch the commands they run as
// credential_process producers: whether a command left a process behind,
// how many times it ran ([Runs]), on Unix a terminal to run it on
// ([StartOnTerminal]), what it may print to stderr that must be scrubbed
// ([LabelledSecrets]), and whether a stopped endpoint let go of its port
// ([PortFree]).
//
// A credential_process command runs in a process group of its own, led by
// the process that was started, so the group's id is that process's pid.
// Commands under test record it (a shell line starts with
// `echo $$ >"$PIDFILE"`), and [GroupGone] waits until no live member of the
// group remains.
//
// The check reads /proc and so runs on Linux only; elsewhere [Supported] is
// false and [GroupGone] checks nothing. [ProcessGone] checks processes one
// by one, by the pids a producer recorded ([ReadPIDs]), on every system.
package proctest

import (
	"errors"
	"io/fs"
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
	return readNumber(t, path, "pid file")
}

// Runs counts the lines a producer appended to path, one per run, or 0 if
// path does not exist (the producer never ran).
func Runs(t testing.TB, path string) int {
	t.Helper()
	b, _ := readIfExists(t, path)
	return strings.Count(string(b), "\n")
}

// readNumber returns the number written to path, or 0 if path does not
// exist; what names the file in a failure.
func readNumber(t testing.TB, path, what string) int {
	t.Helper()
	b, ok := readIfExists(t, path)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s %s: %v", what, path, err)
	}
	return n
}

// readIfExists returns the content of path and true, or false if path does
// not exist; any other error fails t.
func readIfExists(t testing.TB, path string) ([]byte, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return b, true
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
