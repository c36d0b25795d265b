//go:build !unix && !windows

package execjson

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
)

// Here (js, wasip1, plan9) a run fails before it starts, with a *RunError
// that says so: js and wasip1 start no processes, and plan9 offers no
// process group or job through which a run could end what its command
// started, as every run must.
var errUnsupported = errors.New("running commands is not supported on " + runtime.GOOS)

func command(ctx context.Context, c Command) *exec.Cmd { return exec.CommandContext(ctx, c.Program()) }

func runProcess(*exec.Cmd) error { return errUnsupported }

func killGroup(*exec.Cmd) {}

// shellLine renders a command line as a POSIX system would run it.
func shellLine(line string) string { return "/bin/sh -c " + shellQuote(line) }
