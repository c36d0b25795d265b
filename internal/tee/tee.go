// Package tee copies a command's stderr to a writer that may be slow or
// block for good (a terminal on hold, a pipe nobody reads) without holding
// up the run that writes it.
package tee

import (
	"context"
	"io"
	"sync"
	"time"
)

// queueSize is how much may wait for a slow writer; what arrives while the
// queue is full is dropped.
const queueSize = 64 << 10

// Writer queues what is written to it and returns at once, and a goroutine
// of its own writes the queue out to the underlying writer.
//
// One Writer serves consecutive runs: a writer that blocks for good then
// holds one goroutine and queueSize bytes, not one of each per run. A
// Writer is safe for concurrent use.
type Writer struct {
	w io.Writer

	mu      sync.Mutex    // guards the fields below
	queue   []byte        // written to the Writer, not yet handed to w
	handed  int           // bytes handed to w whose Write has not returned
	writing chan struct{} // non-nil while a goroutine writes; closed when it stops
}

// New returns a Writer writing to w. Write errors of w are ignored: a
// broken copy must not fail the run.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// For returns w as a *Writer, wrapping it with [New] unless it is one
// already.
func For(w io.Writer) *Writer {
	if t, ok := w.(*Writer); ok {
		return t
	}
	return New(w)
}

// Write queues p, or as much of it as the queue has room for. It never
// blocks and never fails. Bytes w is still writing count against the
// queue, so that a blocked w holds at most queueSize bytes.
func (t *Writer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	room := max(queueSize-len(t.queue)-t.handed, 0)
	t.queue = append(t.queue, p[:min(len(p), room)]...)
	if t.writing == nil && len(t.queue) > 0 {
		t.writing = make(chan struct{})
		go t.drain(t.writing)
	}
	return len(p), nil
}

// drain writes the queue out until it is empty, then ends.
func (t *Writer) drain(done chan struct{}) {
	defer close(done)
	for {
		t.mu.Lock()
		chunk := t.queue
		t.queue = nil
		t.handed = len(chunk)
		if len(chunk) == 0 {
			t.writing = nil
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		t.w.Write(chunk) //nolint:errcheck // a broken copy must not fail the run
		t.mu.Lock()
		t.handed = 0
		t.mu.Unlock()
	}
}

// Flush waits until the queue is written out, for timeout, or until ctx is
// done, whichever comes first.
func (t *Writer) Flush(ctx context.Context, timeout time.Duration) {
	t.mu.Lock()
	done := t.writing
	t.mu.Unlock()
	if done == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
