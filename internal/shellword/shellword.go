// Package shellword reads the program's name from a command line written
// for sh or cmd.exe, for messages that name the program without showing its
// arguments or the assignments before it, either of which may hold a secret.
//
// It reads the line as the shell would only as far as it can be sure: on
// anything it does not follow it names the shell instead, so that a misread
// can hide a name but never show a value or an argument.
package shellword

import "strings"

// ShProgram returns the program of a POSIX sh command line: the first word
// that is not a VAR=value assignment, quotes and escapes removed. It is
// "sh" when that word is shell syntax, an expansion or a builtin rather
// than a program, and for anything it cannot read with certainty.
func ShProgram(line string) string {
	const fallback = "sh"
	s := strings.TrimSpace(line)
	for {
		s = strings.TrimLeft(s, " \t")
		w, ok := readShWord(s)
		if !ok || w.raw == "" {
			return fallback
		}
		s = s[len(w.raw):]
		if w.assignment {
			continue
		}
		if w.expands || w.value == "" || shBuiltins[w.value] || strings.HasPrefix(s, "<") || strings.HasPrefix(s, ">") {
			// An expansion or a glob names no program as written, a builtin
			// is not one, and a word before a redirection may be its file
			// descriptor.
			return fallback
		}
		return w.value
	}
}

// shWord is one word of a sh command line.
type shWord struct {
	raw        string // as written, up to the first unquoted blank or operator
	value      string // with quotes and escapes removed
	assignment bool   // NAME=... with the name unquoted
	expands    bool   // holds an unquoted glob or a parameter expansion
}

// readShWord reads the word at the start of s. ok is false when the word
// holds syntax it does not follow (command substitution, an unclosed
// quote, a comment): the word's end is then unknown.
func readShWord(s string) (w shWord, ok bool) {
	var value strings.Builder
	i := 0
	if s != "" && s[0] == '#' {
		return w, false
	}
	if n := assignmentName(s); n > 0 {
		w.assignment = true
		value.WriteString(s[:n])
		i = n
	}
	for i < len(s) {
		switch c := s[i]; c {
		case ' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')':
			w.raw, w.value = s[:i], value.String()
			return w, c != '(' && c != ')'
		case '\\':
			if i+1 >= len(s) {
				return w, false
			}
			if s[i+1] != '\n' {
				value.WriteByte(s[i+1])
			}
			i += 2
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return w, false
			}
			value.WriteString(s[i+1 : i+1+end])
			i += end + 2
		case '"':
			n, expands, ok := readDoubleQuoted(s[i+1:], &value)
			if !ok {
				return w, false
			}
			w.expands = w.expands || expands
			i += n + 2
		case '$':
			n, ok := readParameter(s[i:])
			if !ok {
				return w, false
			}
			value.WriteString(s[i : i+n])
			w.expands = true
			i += n
		case '`':
			return w, false
		case '*', '?', '[', '{', '}', '!':
			w.expands = true
			value.WriteByte(c)
			i++
		default:
			value.WriteByte(c)
			i++
		}
	}
	w.raw, w.value = s, value.String()
	return w, true
}

// assignmentName returns the length of "NAME=" at the start of s, or 0.
func assignmentName(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=' && i > 0:
			return i + 1
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9':
		default:
			return 0
		}
	}
	return 0
}

// readDoubleQuoted reads the inside of a double-quoted string, s being what
// follows the opening quote, and returns its length up to the closing
// quote.
func readDoubleQuoted(s string, value *strings.Builder) (n int, expands, ok bool) {
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '"':
			return i, expands, true
		case '\\':
			if i+1 >= len(s) {
				return 0, false, false
			}
			if strings.IndexByte("$`\"\\\n", s[i+1]) < 0 {
				value.WriteByte(c)
			}
			if s[i+1] != '\n' {
				value.WriteByte(s[i+1])
			}
			i += 2
		case '$':
			n, ok := readParameter(s[i:])
			if !ok {
				return 0, false, false
			}
			value.WriteString(s[i : i+n])
			expands = true
			i += n
		case '`':
			return 0, false, false
		default:
			value.WriteByte(c)
			i++
		}
	}
	return 0, false, false
}

// readParameter returns the length of the parameter expansion at the start
// of s ($NAME, ${NAME}, $1, $$, a lone $), or false for a command or
// arithmetic substitution and for a ${...} holding quotes or nested
// expansions.
func readParameter(s string) (int, bool) {
	if len(s) < 2 {
		return 1, true
	}
	switch c := s[1]; {
	case c == '(':
		return 0, false
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end < 0 || strings.ContainsAny(s[2:end], "'\"`$\\{") {
			return 0, false
		}
		return end + 1, true
	case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		n := 2
		for n < len(s) && (s[n] == '_' || 'a' <= s[n] && s[n] <= 'z' || 'A' <= s[n] && s[n] <= 'Z' || '0' <= s[n] && s[n] <= '9') {
			n++
		}
		return n, true
	case strings.IndexByte("0123456789@*#?-$!", c) >= 0:
		return 2, true
	}
	return 1, true
}

// shBuiltins are the words a sh command line can start with that are not
// programs: reserved words and the builtins of POSIX sh, dash and bash.
var shBuiltins = setOf(
	// Reserved words.
	"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while",
	"[[", "]]", "function", "select", "time", "coproc",
	// Special builtins.
	"break", ":", "continue", ".", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times",
	"trap", "unset",
	// Other builtins.
	"alias", "bg", "builtin", "cd", "command", "declare", "echo", "false", "fc", "fg", "getopts", "hash", "jobs",
	"kill", "let", "local", "printf", "pwd", "read", "source", "test", "[", "true", "type", "typeset", "ulimit",
	"umask", "unalias", "wait",
)

// CmdProgram returns the program of a cmd.exe command line: its first
// token, quotes and ^ escapes removed. cmd.exe has no assignments before a
// command. It is "cmd.exe" when that token is a builtin, holds a %VAR% or
// !VAR! expansion, or is syntax it does not follow.
func CmdProgram(line string) string {
	const fallback = "cmd.exe"
	s := strings.TrimLeft(line, " \t,;=@")
	var value strings.Builder
	quoted := false
	i := 0
loop:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
			value.WriteByte(c)
		case c == ' ' || c == '\t' || c == ',' || c == ';' || c == '=':
			break loop
		case c == '^':
			if i+1 >= len(s) {
				return fallback
			}
			i++
			value.WriteByte(s[i])
		case strings.IndexByte("&|<>()\r\n", c) >= 0:
			if i == 0 {
				return fallback
			}
			break loop
		default:
			value.WriteByte(c)
		}
	}
	name := value.String()
	if quoted || name == "" || strings.ContainsAny(name, "%!") || cmdBuiltins[strings.ToLower(name)] {
		return fallback
	}
	return name
}

// cmdBuiltins are cmd.exe's internal commands, which are not programs.
var cmdBuiltins = setOf(
	"assoc", "break", "call", "cd", "chdir", "cls", "color", "copy", "date", "del", "dir", "echo", "endlocal",
	"erase", "exit", "for", "ftype", "goto", "if", "md", "mkdir", "mklink", "move", "path", "pause", "popd",
	"prompt", "pushd", "rd", "rem", "ren", "rename", "rmdir", "set", "setlocal", "shift", "start", "time",
	"title", "type", "ver", "verify", "vol",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
