package scrub

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// view is a decoding of a byte string that remembers where each decoded
// byte came from, so that a secret found in the decoded text can be
// redacted in the original.
type view struct {
	text []byte
	// from[i] is the offset in the original of the encoded character that
	// text[i] belongs to; from[len(text)] is the original's length. Nil
	// means the identity.
	from []int
}

func identity(b []byte) view { return view{text: b} }

// source returns the range of the original that text[i:j] was decoded
// from.
func (v view) source(i, j int) span {
	if v.from == nil {
		return span{i, j}
	}
	// The end is where the character after text[j-1] starts, so that a
	// match ending inside a multi-byte escape covers the whole escape.
	end := v.from[j]
	for k := j; k < len(v.text) && v.from[k] == v.from[j-1]; k++ {
		end = v.from[k+1]
	}
	return span{v.from[i], end}
}

// then composes v with w, a view of v.text: the result decodes the
// original as w decodes v.text.
func (v view) then(w view) view {
	from := make([]int, len(w.text)+1)
	for i := range from {
		k := i
		if w.from != nil {
			k = w.from[i]
		}
		if v.from == nil {
			from[i] = k
		} else {
			from[i] = v.from[k]
		}
	}
	return view{text: w.text, from: from}
}

// decoder decodes one character at b[i:], reporting the bytes it stands for
// and how many bytes of b it took; n == 0 means b[i] stands for itself.
type decoder func(b []byte, i int) (dec []byte, n int)

func decode(b []byte, d decoder) view {
	v := view{text: make([]byte, 0, len(b)), from: make([]int, 0, len(b)+1)}
	for i := 0; i < len(b); {
		dec, n := d(b, i)
		if n == 0 {
			dec, n = b[i:i+1], 1
		}
		v.text = append(v.text, dec...)
		for range dec {
			v.from = append(v.from, i)
		}
		i += n
	}
	v.from = append(v.from, len(b))
	return v
}

// jsonView decodes JSON string escapes wherever they appear, leniently:
// what is not a valid escape stands for itself, and a lone surrogate
// decodes to U+FFFD as encoding/json decodes it.
func jsonView(b []byte) view { return decode(b, jsonEscape) }

func jsonEscape(b []byte, i int) ([]byte, int) {
	if b[i] != '\\' || i+1 >= len(b) {
		return nil, 0
	}
	switch c := b[i+1]; c {
	case '"', '\\', '/':
		return b[i+1 : i+2], 2
	case 'b':
		return []byte{'\b'}, 2
	case 'f':
		return []byte{'\f'}, 2
	case 'n':
		return []byte{'\n'}, 2
	case 'r':
		return []byte{'\r'}, 2
	case 't':
		return []byte{'\t'}, 2
	case 'u':
		r, ok := hex4(b, i+2)
		if !ok {
			return nil, 0
		}
		n := 6
		if utf16.IsSurrogate(r) {
			r2, ok := rune(0), false
			if i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
				r2, ok = hex4(b, i+8)
			}
			if r = utf16.DecodeRune(r, r2); ok && r != utf8.RuneError {
				n = 12
			}
		}
		return utf8.AppendRune(nil, r), n
	}
	return nil, 0
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(v), err == nil
}

// percentView decodes %XX escapes, as a secret appears in a logged URL.
func percentView(b []byte) view {
	return decode(b, func(b []byte, i int) ([]byte, int) {
		if b[i] != '%' || i+3 > len(b) {
			return nil, 0
		}
		v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8)
		if err != nil {
			return nil, 0
		}
		return []byte{byte(v)}, 3
	})
}
