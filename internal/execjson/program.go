package execjson

import (
	"runtime"
	"strconv"
	"unicode"

	"github.com/seed-dcc28122/credprocess/internal/shellword"
)

// Program returns the program's name as written, without its arguments or
// any VAR=value assignment before it, both of which may hold secrets. For
// a shell line it is the first word the shell runs, quotes removed; when
// that word is shell syntax, an expansion or a builtin rather than a
// program, it is "sh" on Unix and "cmd.exe" on Windows.
func (c *Command) Program() string {
	if len(c.Args) > 0 {
		return c.Args[0]
	}
	if runtime.GOOS == "windows" {
		return shellword.CmdProgram(c.Shell)
	}
	return shellword.ShProgram(c.Shell)
}

// QuoteProgram quotes a program name for a message. A printable name is
// put in double quotes as is, so that the backslashes of a Windows path are
// not doubled as %q would double them; any other name is quoted as Go
// quotes it, escapes and all.
func QuoteProgram(name string) string {
	for _, r := range name {
		if r == '"' || r != ' ' && !unicode.IsGraphic(r) || r == unicode.ReplacementChar {
			return strconv.Quote(name)
		}
	}
	return `"` + name + `"`
}
