//go:build linux

package execjson

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The commands below would run for a minute; the bound asserted is the
// timeout plus a grace period far shorter than that, which tells a killed
// run from one that waited for the command.
func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	const timeout = 300 * time.Millisecond
	const grace = 10 * time.Second
	tests := []struct {
		name string
		line string
	}{
		{"hung command", `echo $$ > "$PIDFILE"; sleep 60`},
		{"grandchild holds stdout", `echo $$ > "$PIDFILE"; sleep 60 & wait`},
		{"exec of the last command", `echo $$ > "$PIDFILE"; exec sleep 60`},
		{"drips output slowly", `echo $$ > "$PIDFILE"; while :; do printf '{'; sleep 0.1; done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			c := shell(tt.line)
			c.Env = append(os.Environ(), "PIDFILE="+pidfile)
			c.Timeout = timeout
			start := time.Now()
			_, err := Run(context.Background(), c)
			elapsed := time.Since(start)

			var pe *ProcessError
			if !errors.As(err, &pe) || !pe.Timeout() || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Run() error = %v; want a *ProcessError that is a timeout and context.DeadlineExceeded", err)
			}
			if elapsed > timeout+grace {
				t.Errorf("Run() took %v; want under %v", elapsed, timeout+grace)
			}
			pid := readPID(t, pidfile)
			waitGroupGone(t, pid)
		})
	}
}

// TestRunStragglerAfterSuccess covers a command that prints its output and
// exits 0 while a background child keeps stdout open.
func TestRunStragglerAfterSuccess(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	c := shell(`echo $$ > "$PIDFILE"; sleep 60 & echo '{"ok":1}'`)
	c.Env = append(os.Environ(), "PIDFILE="+pidfile)
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != `{"ok":1}` {
		t.Errorf("stdout = %q", got)
	}
	waitGroupGone(t, readPID(t, pidfile))
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitGroupGone fails unless every live process of group pgid is gone.
// Zombies count as gone: reaping orphans is init's job, not ours.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		live := liveMembers(pgid)
		if len(live) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has live members %v", pgid, live)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func liveMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var live []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name: state ppid pgrp ...
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
			live = append(live, pid)
		}
	}
	return live
}
