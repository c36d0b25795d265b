//go:build linux || darwin

package terminal

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// Stdin that is not this process's controlling terminal leaves the run as
// it was: no foreground group, no lock.
func TestLendChangesNothing(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	// Opened here, with O_NOCTTY: a terminal, but nobody's controlling one.
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	tests := []struct {
		name  string
		stdin io.Reader
	}{
		{"nil", nil},
		{"reader", strings.NewReader("123456\n")},
		{"null device", devNull},
		{"pipe", pr},
		{"other terminal", tty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command("true")
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			loan, err := Lend(context.Background(), cmd, tt.stdin)
			if loan != nil || err != nil {
				t.Errorf("Lend = %v, %v; want nil, nil", loan, err)
			}
			if a := cmd.SysProcAttr; a.Foreground || a.Ctty != 0 {
				t.Errorf("Lend set Foreground %v, Ctty %d; want neither", a.Foreground, a.Ctty)
			}
			if len(ttyLock) != 0 {
				t.Errorf("Lend left the terminal lock held")
			}
		})
	}
}
