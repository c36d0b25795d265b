package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os/exec"
	"strconv"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// neverStarted reports whether the command failed before it ran: the
// program does not exist or cannot be executed. The wait status of a
// command that ran is never one of these errors.
func neverStarted(pe *execjson.ProcessError) bool {
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

// versionGot says what the output had as Version, for a report that it is
// not the number 1. A number is shown (it is no secret and short); any
// other value only by its JSON type.
func versionGot(stdout []byte) string {
	var doc struct{ Version json.RawMessage }
	if json.Unmarshal(bytes.TrimSpace(stdout), &doc) != nil {
		return ""
	}
	v := bytes.TrimSpace(doc.Version)
	if len(v) == 0 {
		return ""
	}
	switch v[0] {
	case '"':
		return ", got a string"
	case '{':
		return ", got an object"
	case '[':
		return ", got an array"
	case 't', 'f':
		return ", got a boolean"
	}
	if _, err := strconv.ParseFloat(string(v), 64); err == nil && len(v) <= 20 {
		return ", got " + string(v)
	}
	return ""
}

// strayText explains output that is not a JSON object alone: a banner
// before it or text after it, the usual result of a wrapper printing
// diagnostics to stdout. It returns "" for other malformed output.
func strayText(stdout []byte) string {
	doc := bytes.TrimSpace(bytes.TrimPrefix(stdout, []byte("\xef\xbb\xbf")))
	if len(doc) == 0 {
		return ""
	}
	if doc[0] != '{' {
		if bytes.IndexByte(doc, '{') > 0 {
			return "output starts with text before the JSON object (print it to stderr instead)"
		}
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	var v json.RawMessage
	if dec.Decode(&v) == nil && dec.InputOffset() < int64(len(doc)) {
		return "output has text after the JSON object (print it to stderr instead)"
	}
	return ""
}
