// Package stdin gives the runs of a command, one after another, the input
// of a reader that is not a file, such as an io.Pipe through which a GUI
// forwards an MFA code.
//
// os/exec copies such a reader into the command's stdin from a goroutine
// of its own and waits for that goroutine when the command ends; a Read
// that blocks (nothing typed yet) then holds the run past its timeout, for
// ever. Abandoning the goroutine instead would let it swallow the next line
// typed, meant for the next run. A [Pump] owns the reader: its goroutine
// reads it while a run is attached and writes into that run's pipe, and
// what a Read returns after that run ended (a Read cannot be called off)
// goes to the next run. A run's stdin is then a plain pipe, which os/exec
// hands to the command without a goroutine of its own.
package stdin

import (
	"io"
	"os"
	"sync"
)

// Pump feeds a reader to the runs attached to it, one at a time. Its
// methods are safe for concurrent use.
type Pump struct {
	r io.Reader

	mu sync.Mutex // guards the fields below
	// w is the write end of the attached run's pipe; nil between runs.
	w *os.File
	// pending was read from r and not yet written to a run.
	pending []byte
	// eof is set once r returned an error.
	eof bool
	// pumping is set while the goroutine runs: while a run is attached,
	// and while a Read it started before the run ended is under way.
	pumping bool
}

// New returns a Pump over r. Nothing reads r until a run attaches.
func New(r io.Reader) *Pump { return &Pump{r: r} }

// Attach returns the stdin for one run and the function to call once the
// run has ended. The file is the read end of a new pipe; nil means the
// null device, once r has ended and every byte read from it was delivered.
// One run is attached at a time: the runs of a command do not overlap.
func (p *Pump) Attach() (*os.File, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.eof && len(p.pending) == 0 {
		return nil, func() {}, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	p.w = pw
	if !p.pumping {
		// A goroutine still in a Read from the last run picks up the new
		// pipe when the Read returns.
		p.pumping = true
		go p.pump()
	}
	return pr, func() { p.detach(pr, pw) }, nil
}

// detach ends a run's attachment: closing the write end fails a write
// under way, whose unwritten bytes stay pending for the next run.
func (p *Pump) detach(pr, pw *os.File) {
	p.mu.Lock()
	if p.w == pw {
		p.w = nil
	}
	p.mu.Unlock()
	pw.Close()
	pr.Close()
}

// pump writes what was read from r into the attached run's pipe, and reads
// r while a run is attached. It ends when no run is attached (once a Read
// under way returns) or r has ended and everything read was delivered.
func (p *Pump) pump() {
	buf := make([]byte, 4096)
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.w != nil {
		w := p.w
		switch {
		case len(p.pending) > 0:
			data := p.pending
			p.mu.Unlock()
			n, err := w.Write(data)
			p.mu.Lock()
			p.pending = p.pending[n:]
			if err != nil && p.w == w {
				// The run is ending; its detach comes next.
				p.w = nil
			}
		case p.eof:
			// Everything read was delivered: this run reads the end of
			// the input, and later runs get the null device.
			p.w = nil
			w.Close()
		default:
			p.mu.Unlock()
			n, err := p.r.Read(buf)
			p.mu.Lock()
			p.pending = append(p.pending, buf[:n]...)
			if err != nil {
				p.eof = true
			}
		}
	}
	p.pumping = false
}
