//go:build !linux && !darwin

package terminal

import (
	"context"
	"errors"
	"io"
	"os/exec"
)

// Loan is never made here: the terminal is lent to a command on Linux and
// macOS only (see the package doc). Elsewhere a run leaves it alone.
type Loan struct{}

// Lend returns nil: the caller runs cmd as it would have.
func Lend(context.Context, *exec.Cmd, io.Reader) (*Loan, error) { return nil, nil }

// Run is never called, as Lend returns no Loan.
func (*Loan) Run() error { return errors.New("terminal: not lent on this system") }
