package execjson

import (
	"context"
	"io"
	"sync"
)

// teeQueue is how much of stderr may wait for a slow Tee writer; what
// arrives while the queue is full is dropped.
const teeQueue = 64 << 10

// Tee copies a command's stderr to a writer that may be slow or block for
// good (a terminal on hold, a pipe nobody reads) without holding up a run:
// Write queues and returns, and a goroutine of the Tee's own writes the
// queue out. A run waits for the queue to drain only as long as it waits
// for pipes a descendant holds open, and never past its timeout.
//
// One Tee serves consecutive runs: a writer that blocks for good then
// holds one goroutine and teeQueue bytes, not one of each per run. A Tee
// is safe for concurrent use.
type Tee struct {
	w io.Writer

	mu      sync.Mutex    // guards the fields below
	queue   []byte        // written to Tee, not yet handed to w
	handed  int           // bytes handed to w whose Write has not returned
	writing chan struct{} // non-nil while a goroutine writes; closed when it stops
}

// NewTee returns a Tee writing to w. Write errors of w are ignored: a
// broken copy must not fail the run.
func NewTee(w io.Writer) *Tee { return &Tee{w: w} }

// Write queues p, or as much of it as the queue has room for. It never
// blocks and never fails. Bytes w is still writing count against the
// queue, so that a blocked w holds at most teeQueue bytes.
func (t *Tee) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	room := max(teeQueue-len(t.queue)-t.handed, 0)
	t.queue = append(t.queue, p[:min(len(p), room)]...)
	if t.writing == nil && len(t.queue) > 0 {
		t.writing = make(chan struct{})
		go t.drain(t.writing)
	}
	return len(p), nil
}

// drain writes the queue out until it is empty, then ends.
func (t *Tee) drain(done chan struct{}) {
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

// flush waits until the queue is written out, or for waitDelay, or until
// ctx is done, whichever comes first.
func (t *Tee) flush(ctx context.Context) {
	t.mu.Lock()
	done := t.writing
	t.mu.Unlock()
	if done == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, waitDelay)
	defer cancel()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// teeFor returns w as a Tee, wrapping it unless it is one already.
func teeFor(w io.Writer) *Tee {
	if t, ok := w.(*Tee); ok {
		return t
	}
	return NewTee(w)
}
