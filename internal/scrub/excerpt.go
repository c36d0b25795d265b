// Package scrub makes what a command writes to stderr safe to show in an
// error or a log: a bounded excerpt, its start and end, with every secret
// replaced (one the command printed on stdout, in any encoding it may have
// been echoed in, or a value under a label such as AWS_SECRET_ACCESS_KEY=)
// and every character that could act on a terminal replaced by U+FFFD.
//
// The excerpt is untrusted text still: it is what the command chose to
// write, with what it must not show taken out.
package scrub

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// scrubOverlap is how many bytes past each cut of the excerpt are kept,
// unshown, so that a secret written across a cut is found whole and
// redacted on the side that is shown. Secrets are a few hundred bytes; this
// leaves room for their escaped forms.
const scrubOverlap = 8 << 10

// Excerpt keeps the first and last n bytes written to it, like the
// prefixSuffixSaver os/exec uses for ExitError.Stderr, so that a command that
// floods stderr costs bounded memory and its error still shows both the
// first complaint and the last. It keeps scrubOverlap bytes more on each
// side, for the scrubbing. An Excerpt is for one run's stderr, written by
// one goroutine at a time.
type Excerpt struct {
	n       int
	prefix  []byte
	suffix  []byte // ring buffer once full
	offset  int    // next write position in suffix once it is full
	skipped int64  // bytes in neither prefix nor suffix
}

// NewExcerpt returns an Excerpt that shows n bytes from each end.
func NewExcerpt(n int) *Excerpt { return &Excerpt{n: n} }

// Write keeps what the excerpt needs of p. It never fails.
func (w *Excerpt) Write(p []byte) (int, error) {
	total, keep := len(p), w.n+scrubOverlap
	if room := keep - len(w.prefix); room > 0 {
		k := min(room, len(p))
		w.prefix = append(w.prefix, p[:k]...)
		p = p[k:]
	}
	if len(p) > keep {
		w.skipped += int64(len(p) - keep)
		p = p[len(p)-keep:]
	}
	for len(p) > 0 {
		if len(w.suffix) < keep {
			k := min(keep-len(w.suffix), len(p))
			w.suffix = append(w.suffix, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(w.suffix[w.offset:], p)
		w.skipped += int64(k)
		w.offset = (w.offset + k) % keep
		p = p[k:]
	}
	return total, nil
}

// ReadFrom copies the pipe through a small buffer; os/exec would otherwise
// allocate 32 KiB for it on every run.
func (w *Excerpt) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, 1024)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		w.Write(buf[:n])
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// String returns the excerpt as Scrubbed does, for a run without stdout.
func (w *Excerpt) String() string { return w.Scrubbed(nil) }

// Scrubbed returns the first and last n bytes with the middle elided, every
// secret of stdout (the command's output, which holds them) and every
// labelled secret replaced by [redacted], CRLF line ends made LF, and the
// rest as printable (see printable), with surrounding space trimmed.
//
// Secrets are found before the cut, in everything kept, so that one
// written across a cut is not shown in part.
func (w *Excerpt) Scrubbed(stdout []byte) string {
	if len(w.prefix) == 0 {
		return ""
	}
	secrets := secretsIn(stdout)
	suffix := slices.Concat(w.suffix[w.offset:], w.suffix[:w.offset])
	var b []byte
	if w.skipped == 0 {
		whole := slices.Concat(w.prefix, suffix)
		spans := secretSpans(whole, secrets, false, false)
		if len(whole) <= 2*w.n {
			b = redact(whole, spans, 0, len(whole))
		} else {
			b = slices.Concat(redact(whole, spans, 0, w.n), elided(len(whole)-2*w.n),
				redact(whole, spans, len(whole)-w.n, len(whole)))
		}
	} else {
		total := int64(len(w.prefix)+len(suffix)) + w.skipped
		b = slices.Concat(redact(w.prefix, secretSpans(w.prefix, secrets, false, true), 0, w.n),
			elided(total-2*int64(w.n)),
			redact(suffix, secretSpans(suffix, secrets, true, false), len(suffix)-w.n, len(suffix)))
	}
	return printable(strings.ReplaceAll(string(b), "\r\n", "\n"))
}

func elided[N int | int64](n N) []byte {
	return []byte("\n... [" + strconv.FormatInt(int64(n), 10) + " bytes elided] ...\n")
}

// printable replaces with U+FFFD what could make the excerpt pass for
// something else on a terminal or in a log: invalid UTF-8, control
// characters other than LF and tab (ESC, a lone CR, DEL, NEL and the other
// C1 controls), format characters (the bidi overrides, embeddings, isolates
// and marks, zero-width characters, tags) and the line and paragraph
// separators U+2028 and U+2029. LF stays: callers show the excerpt line by
// line.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !Unprintable(r) {
			return r
		}
		return '\uFFFD'
	}, s)
	return strings.TrimSpace(s)
}

// Unprintable reports whether r, printed on a terminal, can do more than
// show a character: move the cursor or start a line (the C0 and C1
// controls, DEL, U+2028 and U+2029), or reorder or hide text (the format
// characters, category Cf, which hold the bidi controls such as U+202E).
func Unprintable(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)
}
