//go:build unix

package execjson

import (
	"context"
	"os/exec"
	"syscall"
)

// command builds the process in a group of its own, so that the timeout
// kills the shell and everything it started: sh -c does not always exec its
// last command, and a surviving grandchild would hold stdout open.
func command(ctx context.Context, c Command) *exec.Cmd {
	var cmd *exec.Cmd
	if len(c.Args) > 0 {
		cmd = exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	} else {
		cmd = exec.CommandContext(ctx, shellPath, "-c", c.Shell)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The process is running: its descendants still have it as
		// their parent, which is how killTree finds them.
		killTree(cmd.Process.Pid, cmd.Process.Pid)
		return nil
	}
	return cmd
}

// shellPath is the shell that runs a command line, as the SDK's processcreds
// runs it.
const shellPath = "/bin/sh"

// shellLine renders how a command line runs, for [Command.Line].
func shellLine(line string) string { return shellPath + " -c " + shellQuote(line) }

// runProcess runs cmd; its process group, set up by command, is what ends
// the command's descendants.
func runProcess(cmd *exec.Cmd) error { return cmd.Run() }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // the group may be gone
	}
}
