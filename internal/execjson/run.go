// Package execjson runs a credential_process command and parses its output.
//
// A run is bounded in time (the whole process group is killed at the
// timeout, and pipes held open by a grandchild are closed shortly after) and
// in memory (stdout is capped, stderr keeps only its start and end). Errors
// never carry stdout, which holds secrets.
package execjson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/capped"
	"github.com/seed-dcc28122/credprocess/internal/scrub"
	"github.com/seed-dcc28122/credprocess/internal/tee"
	"github.com/seed-dcc28122/credprocess/internal/terminal"
)

// StderrExcerpt is how many bytes of stderr an error keeps from each of the
// start and the end of the stream.
const StderrExcerpt = 2 << 10

// waitDelay bounds how long a run waits, once its process has exited or been
// killed, for descendants that still hold stdout or stderr open.
const waitDelay = time.Second

// Command describes one way to run a credential_process command.
type Command struct {
	// Shell is a command line for the system shell (sh -c on Unix,
	// cmd.exe /D /C on Windows), as credential_process is written in
	// ~/.aws/config. Used when Args is empty.
	Shell string
	// Args is the program and its arguments, run without a shell.
	Args []string
	// Env is the environment; nil inherits the current process's.
	Env []string
	// Dir is the working directory; "" inherits the current one. A Dir that
	// does not exist fails the run with a *RunError that names it.
	Dir string
	// Stdin is the command's standard input; nil is the null device. When
	// it is the controlling terminal, the run lends the terminal to the
	// command (see package terminal).
	Stdin io.Reader
	// Stderr, if not nil, also receives everything the command writes to
	// stderr, through a [tee.Writer] (Stderr itself, if it is one), so that
	// a writer that blocks does not hold up the run: the run waits for the
	// copy only as long as it waits for pipes a descendant holds open, and
	// never past its timeout.
	Stderr io.Writer
	// Timeout bounds the run; it must be positive.
	Timeout time.Duration
	// MaxOutput is the most stdout may hold, in bytes; it must be positive.
	MaxOutput int
}

// Result is the outcome of a run that exited with status 0.
type Result struct {
	// Stdout is everything the command wrote to stdout. It holds secrets.
	Stdout []byte
	// Stderr is an excerpt of stderr, as in RunError.
	Stderr string
	// Duration is how long the command ran.
	Duration time.Duration
}

// Format prints the result without its stdout.
func (r Result) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "execjson.Result{Stdout: [%d bytes], Duration: %v}", len(r.Stdout), r.Duration)
}

// Run runs c and returns its output. Any failure is a *RunError. ctx
// cancellation stops the run like the timeout does.
func Run(ctx context.Context, c Command) (Result, error) {
	if c.Shell == "" && len(c.Args) == 0 {
		return Result{}, &RunError{ExitCode: -1, Err: errors.New("empty command")}
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, c.Timeout, ErrTimedOut)
	defer cancel()
	runCtx, stop := context.WithCancelCause(runCtx)
	defer stop(nil)

	cmd := command(runCtx, c)
	cmd.Env, cmd.Dir, cmd.Stdin = c.Env, c.Dir, c.Stdin
	stdout := capped.New(c.MaxOutput, func() { stop(ErrOutputTooLarge) })
	stderr := scrub.NewExcerpt(StderrExcerpt)
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if c.Stderr != nil {
		copied := tee.For(c.Stderr)
		cmd.Stderr = io.MultiWriter(stderr, copied)
		defer copied.Flush(runCtx, waitDelay)
	}
	cmd.WaitDelay = waitDelay
	var interrupted atomic.Bool // the timeout or ctx reached the command before it exited
	cancelCmd := cmd.Cancel
	cmd.Cancel = func() error {
		interrupted.Store(true)
		return cancelCmd()
	}

	start := time.Now()
	loan, err := terminal.Lend(runCtx, cmd, c.Stdin)
	switch {
	case err != nil:
	case loan != nil:
		err = loan.Run()
	default:
		err = runProcess(cmd)
	}
	elapsed := time.Since(start)
	// Whatever the outcome, nothing the command started outlives the run:
	// a descendant may still run after the command exited, zero or not.
	killGroup(cmd)
	if errors.Is(err, exec.ErrWaitDelay) {
		// The command exited 0 but a descendant kept its pipes open: the
		// output is complete.
		err = nil
	}
	if err == nil && context.Cause(runCtx) == ErrOutputTooLarge {
		err = errors.New("killed")
	}
	if err == nil {
		return Result{Stdout: stdout.Bytes(), Stderr: stderr.Scrubbed(stdout.Bytes()), Duration: elapsed}, nil
	}

	perr := &RunError{Program: c.Program(), ExitCode: -1, Stderr: stderr.Scrubbed(stdout.Bytes()), Duration: elapsed, Err: err}
	var exitErr *exec.ExitError
	switch cause := context.Cause(runCtx); {
	case cause == ErrOutputTooLarge:
		perr.Err = fmt.Errorf("stdout exceeded %d bytes: %w", c.MaxOutput, ErrOutputTooLarge)
	case errors.As(err, &exitErr) && exitErr.Exited() && !interrupted.Load():
		// The command exited on its own; a deadline that passed while the
		// run waited for a descendant's pipes did not stop it.
		perr.ExitCode = exitErr.ExitCode()
	case cause == ErrTimedOut:
		perr.Err = fmt.Errorf("%w after %v: %w", ErrTimedOut, c.Timeout, context.DeadlineExceeded)
	case errors.Is(err, terminal.ErrInterrupted):
		// Before ctx: the re-raised signal may already have cancelled it.
	case ctx.Err() != nil:
		perr.Err = ctx.Err()
	}
	if cmd.Process == nil {
		perr.Err = startError(c.Dir, perr.Err)
	}
	return Result{}, perr
}
