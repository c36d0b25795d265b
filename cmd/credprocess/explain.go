package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"

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

// packagePrefix is the "pkg: " that begins an error of the module's
// packages (and of check's own glue): the report's reader wants what
// happened, not where in the code it was noticed.
var packagePrefix = regexp.MustCompile(`^(credprocess|provider|profiles|execjson|middleware|strategy|shared|served|check): `)

// plain returns the text of err for the report, without the package
// prefixes it begins with. Library errors keep theirs: only the report
// drops them.
func plain(err error) string {
	s := err.Error()
	for {
		m := packagePrefix.FindString(s)
		if m == "" {
			return s
		}
		s = s[len(m):]
	}
}

// startError says why a program could not be started, without the "exec:"
// or "fork/exec" of the Go function that tried.
func startError(err error) string {
	var execErr *exec.Error
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &execErr):
		return fmt.Sprintf("%q: %v", execErr.Name, execErr.Err)
	case errors.As(err, &pathErr):
		return pathErr.Path + ": " + pathErr.Err.Error()
	}
	return plain(err)
}

// promptLike reports whether stderr ends as a prompt does, with a colon or
// a question mark: a producer killed at the timeout after that was most
// likely waiting for an answer on its stdin, the null device, or on the
// terminal.
func promptLike(stderr string) bool {
	s := strings.TrimRight(stderr, " \t\r\n")
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "?")
}
