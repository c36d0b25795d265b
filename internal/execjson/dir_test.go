package execjson

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRunDirMissing runs a program, and a shell line, in a working
// directory that does not exist or is a file. The system reports either as
// the program or the shell missing ("fork/exec /bin/sh: no such file or
// directory"); the error must name the directory instead, and still be a
// *RunError of a command that never started.
func TestRunDirMissing(t *testing.T) {
	dir := tempDir(t)
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no such dir")
	tests := []struct {
		name     string
		cmd      Command
		dir      string
		want     string
		notExist bool
	}{
		{"program, no such directory", self(t, "ok"), missing, "working directory " + strconv.Quote(missing) + " does not exist", true},
		{"shell line, no such directory", shell("exit 0"), missing, "working directory " + strconv.Quote(missing) + " does not exist", true},
		{"program, a file", self(t, "ok"), file, "working directory " + strconv.Quote(file) + " is not a directory", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cmd.Dir = tt.dir
			_, err := Run(context.Background(), tt.cmd)
			var pe *RunError
			if !errors.As(err, &pe) || pe.ExitCode != -1 {
				t.Fatalf("Run() error = %v (%T); want a *RunError with ExitCode -1", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run() error = %q; want it to say %q", err, tt.want)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v; want %v", got, tt.notExist)
			}
			var pathErr *fs.PathError
			if !errors.As(err, &pathErr) {
				t.Errorf("Run() error = %v; want it to wrap the start's *fs.PathError", err)
			}
		})
	}
}
