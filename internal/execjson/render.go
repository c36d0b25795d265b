package execjson

import (
	"runtime"
	"strconv"
	"strings"
	"unicode"

	"github.com/seed-dcc28122/credprocess/internal/shellword"
)

// A command reads in messages one way: by its program's name, which hides
// the arguments, or, on request, by its whole line. Both go through Quote
// when a message puts them between its own words.

// Program returns the program's name as written, without its arguments or
// any VAR=value assignment before it, both of which may hold secrets. For
// a shell line it is the first word the shell runs, quotes removed; when
// that word is shell syntax, an expansion or a builtin rather than a
// program, it is "sh" on Unix and "cmd.exe" on Windows.
func (c Command) Program() string {
	if len(c.Args) > 0 {
		return c.Args[0]
	}
	if runtime.GOOS == "windows" {
		return shellword.CmdProgram(c.Shell)
	}
	return shellword.ShProgram(c.Shell)
}

// Line returns the command as it runs: the shell and its command line (see
// shellLine in the platform files), or the program and its arguments,
// quoted where a POSIX shell would need it. Its arguments may hold
// secrets: show it only on request.
func (c Command) Line() string {
	if len(c.Args) == 0 {
		return shellLine(c.Shell)
	}
	words := make([]string, len(c.Args))
	for i, w := range c.Args {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// Quote quotes a program's name or a command line for a message. Printable
// text is put in double quotes as is, so that the backslashes of a Windows
// path are not doubled as %q would double them; any other text is quoted
// as Go quotes it, escapes and all.
func Quote(s string) string {
	for _, r := range s {
		if r == '"' || r != ' ' && !unicode.IsGraphic(r) || r == unicode.ReplacementChar {
			return strconv.Quote(s)
		}
	}
	return `"` + s + `"`
}

// shellQuote writes s as one word of a POSIX shell line, quoted unless it
// needs no quoting. It is the line's syntax, not a quoting for messages.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
