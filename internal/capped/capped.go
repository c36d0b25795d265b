// Package capped holds a command's stdout up to a limit, and reports the
// first byte past it so that the run is stopped rather than its document
// cut short and parsed.
package capped

import (
	"errors"
	"io"
	"slices"
)

// ErrFull is returned by the writes that reach past the limit, and by
// every write after them.
var ErrFull = errors.New("output exceeds the limit")

// Buffer collects up to a limit of bytes and calls overflow once when more
// arrive. A Buffer is written by one goroutine at a time, as os/exec copies
// a pipe into it, and read once the copy is over.
type Buffer struct {
	max      int
	buf      []byte
	overflow func()
	over     bool
}

// New returns a Buffer that holds up to max bytes and calls overflow, once,
// when a write would take it past them.
func New(max int, overflow func()) *Buffer { return &Buffer{max: max, overflow: overflow} }

// Bytes returns what the Buffer holds: everything written, or the first max
// bytes after an overflow.
func (w *Buffer) Bytes() []byte { return w.buf }

// ReadFrom reads the pipe straight into the buffer, so os/exec does not
// allocate a 32 KiB copy buffer for a document of a few hundred bytes.
func (w *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if w.over {
			return total, ErrFull
		}
		if len(w.buf) == cap(w.buf) {
			w.buf = slices.Grow(w.buf, min(max(cap(w.buf), 512), w.max+1-len(w.buf)))
		}
		n, err := r.Read(w.buf[len(w.buf):cap(w.buf)])
		total += int64(n)
		w.buf = w.buf[:len(w.buf)+n]
		if len(w.buf) > w.max {
			w.buf = w.buf[:w.max]
			w.full()
			return total, ErrFull
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Write appends p, or nothing if p would take the Buffer past its limit.
func (w *Buffer) Write(p []byte) (int, error) {
	if w.over {
		return 0, ErrFull
	}
	if len(w.buf)+len(p) > w.max {
		w.full()
		return 0, ErrFull
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

func (w *Buffer) full() {
	w.over = true
	w.overflow()
}
