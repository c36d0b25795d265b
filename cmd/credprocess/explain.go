package main

import (
	"errors"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

// shellExit explains the exit statuses a shell reserves for a program it
// could not run, which is all a user sees of "not found" otherwise: 127
// and 126 from a POSIX shell, 9009 from cmd.exe, which passes any other
// status (a producer's own 127) on as it is.
func shellExit(code int) string {
	switch {
	case code == 127 && runtime.GOOS != "windows", code == 9009 && runtime.GOOS == "windows":
		return ": the shell found no such program: check PATH, or use an absolute path"
	case code == 126 && runtime.GOOS != "windows":
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
		// A name with a directory is not looked up in PATH, but on Windows
		// Go reports it missing (after trying PATHEXT's extensions) as not
		// found in %PATH% all the same.
		if filepath.Base(execErr.Name) != execErr.Name && errors.Is(execErr.Err, exec.ErrNotFound) {
			return execErr.Name + ": " + fs.ErrNotExist.Error()
		}
		// Quote, not %q: a Windows path keeps single backslashes.
		return execjson.Quote(execErr.Name) + ": " + execErr.Err.Error()
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
