package execjson

import (
	"io"
	"strconv"
	"strings"
	"unicode"
)

// excerptWriter keeps the first and last n bytes written to it, like the
// prefixSuffixSaver os/exec uses for ExitError.Stderr, so that a command that
// floods stderr costs bounded memory and its error still shows both the
// first complaint and the last.
type excerptWriter struct {
	n       int
	prefix  []byte
	suffix  []byte // ring buffer once full
	offset  int    // next write position in suffix once it is full
	skipped int64
}

func (w *excerptWriter) Write(p []byte) (int, error) {
	total := len(p)
	if room := w.n - len(w.prefix); room > 0 {
		k := min(room, len(p))
		w.prefix = append(w.prefix, p[:k]...)
		p = p[k:]
	}
	if len(p) > w.n {
		w.skipped += int64(len(p) - w.n)
		p = p[len(p)-w.n:]
	}
	for len(p) > 0 {
		if len(w.suffix) < w.n {
			k := min(w.n-len(w.suffix), len(p))
			w.suffix = append(w.suffix, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(w.suffix[w.offset:], p)
		w.skipped += int64(k)
		w.offset = (w.offset + k) % w.n
		p = p[k:]
	}
	return total, nil
}

// ReadFrom copies the pipe through a small buffer; os/exec would otherwise
// allocate 32 KiB for it on every run.
func (w *excerptWriter) ReadFrom(r io.Reader) (int64, error) {
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

// String returns the excerpt as printable text: invalid UTF-8 and control
// characters other than newline and tab are replaced, and surrounding space
// is trimmed.
func (w *excerptWriter) String() string {
	var b strings.Builder
	b.Write(w.prefix)
	if w.skipped > 0 {
		b.WriteString("\n... [" + strconv.FormatInt(w.skipped, 10) + " bytes elided] ...\n")
	}
	b.Write(w.suffix[w.offset:])
	b.Write(w.suffix[:w.offset])
	return printable(b.String())
}

func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return '\uFFFD'
	}, s)
	return strings.TrimSpace(s)
}
