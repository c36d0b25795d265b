package tee

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestTeeDropsPastQueue writes more than the queue holds to a blocked
// writer: the start is kept, the rest is dropped, and Write never blocks.
func TestTeeDropsPastQueue(t *testing.T) {
	w := &gate{release: make(chan struct{})}
	tw := New(w)
	chunk := []byte(strings.Repeat("x", 1000) + "\n")
	for range 2 * queueSize / len(chunk) {
		if n, err := tw.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write() = %d, %v; want %d, nil", n, err, len(chunk))
		}
	}
	close(w.release)
	tw.Flush(context.Background(), time.Minute)
	// Whatever the drain goroutine took before it blocked counts against
	// the queue, so the writer gets exactly a queue's worth.
	if n := len(w.String()); n != queueSize {
		t.Errorf("writer received %d bytes; want the queue's %d", n, queueSize)
	}
}

// TestFlushBounded: Flush returns at its timeout, or when ctx is done,
// while the writer still blocks, and For hands back a Writer as it is.
func TestFlushBounded(t *testing.T) {
	w := &gate{release: make(chan struct{})}
	defer close(w.release) // lets the drain goroutine end before goleak looks
	tw := For(w)
	if For(tw) != tw {
		t.Errorf("For(*Writer) wrapped it again")
	}
	tw.Write([]byte("Enter MFA code: "))
	start := time.Now()
	tw.Flush(context.Background(), 50*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tw.Flush(ctx, time.Hour)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Flush on a blocked writer took %v; want its timeout", d)
	}
}

// gate is a writer that blocks until release is closed.
type gate struct {
	release chan struct{}
	mu      sync.Mutex // guards buf
	buf     bytes.Buffer
}

func (g *gate) Write(p []byte) (int, error) {
	<-g.release
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

func (g *gate) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.String()
}
