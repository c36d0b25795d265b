//go:build unix && !linux

package execjson

import "syscall"

// killTree kills the process group pgid, which holds the command and what
// it started, unless a descendant moved to a group of its own: without
// /proc, descendants are not looked for. pid is the command's process.
func killTree(pid, pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL) //nolint:errcheck // the group may be gone
}
