package main

import (
	"errors"
	"io/fs"
	"os/exec"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// neverStarted reports whether the command failed before it ran: the
// program does not exist or cannot be executed. The wait status of a
// command that ran is never one of these errors.
func neverStarted(pe *execjson.RunError) bool {
	var execErr *exec.Error
	var pathErr *fs.PathError
	return pe.ExitCode < 0 && (errors.As(pe.Err, &execErr) || errors.As(pe.Err, &pathErr))
}

// shellExit explains the exit statuses POSIX shells reserve for a program
// they could not run, which is all a user sees of "not found" otherwise.
func shellExit(code int) string {
	switch code {
	case 127:
		return ": the shell found no such program: check PATH, or use an absolute path"
	case 126:
		return ": the shell found the program but could not run it: check that it is executable"
	}
	return ""
}
