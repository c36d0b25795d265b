package execjson

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// A command's process group does not hold everything it started: a
// producer that is itself a program using this package (an in-house
// broker) starts its own producer in a group of its own, and a shell runs
// a pipeline in a group of its own when job control is on. Killing the
// command's group alone would leave those running, reparented to init.
//
// So a run that is stopped early (timeout, cancellation, too much output)
// first finds every descendant of the command that is still in this
// process's session, walking /proc by parent pid while the tree is still
// intact, and stops each one (SIGSTOP) so that none can fork further
// while the walk goes on; then it kills them all. A descendant that made a
// session of its own with setsid, such as an agent a producer starts on
// purpose, is left alone with everything it started.

// killTree kills pid, every descendant of it in this process's session,
// and the process group pgid.
func killTree(pid, pgid int) {
	sid, err := unix.Getsid(0)
	if err != nil {
		syscall.Kill(-pgid, syscall.SIGKILL) //nolint:errcheck // the group may be gone
		return
	}
	stopped := map[int]bool{}
	for {
		found := 0
		for _, d := range descendants(pid, sid) {
			if !stopped[d] {
				syscall.Kill(d, syscall.SIGSTOP) //nolint:errcheck // it may have exited
				stopped[d] = true
				found++
			}
		}
		if found == 0 {
			break
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)   //nolint:errcheck // it may have exited
	syscall.Kill(-pgid, syscall.SIGKILL) //nolint:errcheck // the group may be gone
	for d := range stopped {
		syscall.Kill(d, syscall.SIGKILL) //nolint:errcheck // as above
	}
}

// descendants returns the pids of the live descendants of root that are in
// session sid, reached through processes of that session only.
func descendants(root, sid int) []int {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, session, ok := parentAndSession(pid)
		if ok && session == sid {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// parentAndSession reads a process's parent pid and session from
// /proc/PID/stat; ok is false for a process that is gone or a zombie.
func parentAndSession(pid int) (ppid, sid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name, in parentheses, may hold spaces and parentheses:
	// the fields that follow start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, false
	}
	// state ppid pgrp session ...
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 || f[0] == "Z" || f[0] == "X" {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	sid, err2 := strconv.Atoi(f[3])
	return ppid, sid, err1 == nil && err2 == nil
}
