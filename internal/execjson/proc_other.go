//go:build !windows

package execjson

import "os/exec"

// runProcess runs cmd; on Unix its process group, set up by command, is
// what ends the command's descendants.
func runProcess(cmd *exec.Cmd) error { return cmd.Run() }
