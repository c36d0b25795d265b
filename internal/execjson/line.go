package execjson

import "strings"

// Line renders c as it runs: the shell and its command line (see
// shellLine in the platform files), or the program and its arguments,
// quoted where a POSIX shell would need it. Its arguments may hold
// secrets: show it only on request.
func (c Command) Line() string {
	if len(c.Args) == 0 {
		return shellLine(c.Shell)
	}
	return joinQuoted(c.Args, quoteWord)
}

// joinQuoted quotes each word and joins them with spaces.
func joinQuoted(words []string, quote func(string) string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = quote(w)
	}
	return strings.Join(quoted, " ")
}

// quoteWord quotes s for a POSIX shell unless it needs no quoting.
func quoteWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
