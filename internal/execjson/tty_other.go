//go:build !linux && !darwin

package execjson

import (
	"context"
	"io"
	"os/exec"
)

// terminal is unused here: the terminal is lent to a command on Linux and
// macOS only (see tty_unix.go). Elsewhere a run leaves it alone.
type terminal struct{}

func lendTerminal(context.Context, *exec.Cmd, io.Reader) (*terminal, error) { return nil, nil }

func (*terminal) run(cmd *exec.Cmd) error { return runProcess(cmd) }

func (*terminal) takeBack(_ *exec.Cmd, err error) error { return err }
