package stdin_test

import (
	"io"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed-dcc28122/credprocess/internal/stdin"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// attach attaches a run and returns its stdin, failing t on an error.
func attach(t *testing.T, p *stdin.Pump) (*os.File, func()) {
	t.Helper()
	f, detach, err := p.Attach()
	if err != nil {
		t.Fatal(err)
	}
	return f, detach
}

// readN reads n bytes from f.
func readN(t *testing.T, f *os.File, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// What a run does not read stays in its pipe and goes with it; what was
// read from the reader after a run ended reaches the next run; once the
// reader ends, a run reads the end of input, and later runs get the null
// device.
func TestPumpAcrossRuns(t *testing.T) {
	r, w := io.Pipe()
	p := stdin.New(r)

	f, detach := attach(t, p)
	go w.Write([]byte("one\n")) //nolint:errcheck // read below
	if got := readN(t, f, 4); got != "one\n" {
		t.Errorf("first run read %q; want %q", got, "one\n")
	}
	detach()

	// Written between runs: a pump still in the Read it started for the
	// first run takes it and keeps it; otherwise the next run's pump reads
	// it.
	go func() {
		w.Write([]byte("two\n")) //nolint:errcheck // read below
		w.Close()
	}()

	f, detach = attach(t, p)
	if got, err := io.ReadAll(f); string(got) != "two\n" || err != nil {
		t.Errorf("second run read %q, %v; want %q and the end of input", got, err, "two\n")
	}
	detach()

	f, detach = attach(t, p)
	defer detach()
	if f != nil {
		t.Errorf("after the reader ended, Attach = %v; want nil (the null device)", f)
	}
}

// A reader that is never written to holds up nothing: the run detaches,
// and closing the reader ends the pump's goroutine (TestMain checks).
func TestPumpBlockedReader(t *testing.T) {
	r, w := io.Pipe()
	p := stdin.New(r)
	_, detach := attach(t, p)
	detach()
	w.Close()
}
