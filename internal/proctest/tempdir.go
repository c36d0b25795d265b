package proctest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TempDir is t.TempDir, except that it cleans up without os.RemoveAll,
// which fails on every directory under Wine 8.0 ("Invalid function": Wine
// does not implement FileDispositionInformationEx and Go does not fall
// back), and that it retries a file a dying process may still hold open.
// Tests whose Windows binaries CI runs under Wine use it.
func TempDir(t testing.TB, prefix string) string {
	t.Helper()
	// A fixed prefix, not the test's name: cmd.exe splits a path at a comma
	// of a subtest's name.
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	return dir
}

func removeTree(t testing.TB, dir string) {
	var paths []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error { //nolint:errcheck // best effort
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	// Deepest first; a file still held by a dying process may need a retry.
	for i := len(paths) - 1; i >= 0; i-- {
		var err error
		for range 50 {
			if err = os.Remove(paths[i]); err == nil || os.IsNotExist(err) {
				err = nil
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
}

// CopySelf copies the test binary to dir/name, with ".exe" added on
// Windows, where cmd.exe runs nothing else, and returns the copy's path:
// a producer at a path of the test's choosing (spaces, parentheses) that
// runs on every system.
func CopySelf(t testing.TB, dir, name string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
