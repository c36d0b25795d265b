//go:build windows

package execjson

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// command runs c.Shell with cmd.exe /D /S /C and the whole line in one pair
// of quotes, which /S strips again: cmd.exe then sees the line exactly as
// written, so a quoted program path with spaces keeps its quotes.
func command(ctx context.Context, c Command) *exec.Cmd {
	if len(c.Args) > 0 {
		return exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	}
	shell := os.Getenv("ComSpec")
	if shell == "" {
		shell = filepath.Join(os.Getenv("SystemRoot"), "System32", "cmd.exe")
	}
	cmd := exec.CommandContext(ctx, shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd.exe /D /S /C "` + c.Shell + `"`}
	return cmd
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill() //nolint:errcheck // the process may be gone
	}
}
