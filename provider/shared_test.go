package provider_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// sharedProvider returns a cache over the portable producer with the given
// shared directory, logging to log.
func sharedProvider(t *testing.T, dir string, log *recorder) (get func() (string, error), runs func() int) {
	t.Helper()
	exe, runs := portableProducer(t, "creds", "AKIDSHAREDPROV", nil)
	c := provider.NewArgs([]string{exe}, func(o *provider.Options) {
		o.SharedDir = dir
		o.Logger = log
	})
	return func() (string, error) {
		got, err := c.Retrieve(context.Background())
		return got.AccessKeyID, err
	}, runs
}

// TestSharedCacheNeverFailsARequest: a shared directory that cannot be
// used (a path that cannot be created, a directory open to others, an
// entry that is a link, or another user's) is warned about once, and the
// command runs unshared: every caller still gets credentials, and the
// unsafe file is neither read nor changed.
func TestSharedCacheNeverFailsARequest(t *testing.T) {
	tests := []struct {
		name  string
		posix bool
		setup func(t *testing.T) string // returns the SharedDir
		warn  string
	}{
		{"a regular file where the directory should be", false, func(t *testing.T) string {
			file := filepath.Join(proctest.TempDir(t, "provider-test"), "file")
			if err := os.WriteFile(file, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(file, "cache")
		}, "not sharing credentials across processes"},
		{"a directory open to others", true, func(t *testing.T) string {
			dir := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dir, 0o755) //nolint:errcheck // checked by the warning
			return dir
		}, "is accessible to the group or others"},
		{"a directory that is a link", true, func(t *testing.T) string {
			link := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
			if err := os.Symlink(proctest.TempDir(t, "provider-test"), link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "is a symbolic link"},
		{"a directory of another user", true, func(t *testing.T) string {
			if os.Getuid() != 0 {
				t.Skip("chown needs root")
			}
			dir := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			return dir
		}, "is owned by uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.posix && runtime.GOOS == "windows" {
				t.Skip("modes, owners and links are not checked on Windows")
			}
			dir := tt.setup(t)
			log := &recorder{}
			get, runs := sharedProvider(t, dir, log)
			for range 2 {
				if key, err := get(); err != nil || key != "AKIDSHAREDPROV" {
					t.Fatalf("Retrieve() = %q, %v; want the credentials, unshared", key, err)
				}
			}
			if n := runs(); n != 1 {
				t.Errorf("producer runs = %d; want 1", n)
			}
			warned := 0
			for _, l := range log.all() {
				if strings.HasPrefix(l, "WARN") && strings.Contains(l, tt.warn) {
					warned++
				}
			}
			if warned != 1 {
				t.Errorf("warnings containing %q = %d; want 1; log:\n%s", tt.warn, warned, strings.Join(log.all(), "\n"))
			}
		})
	}
}

// TestSharedLockDoesNotReachTheCommand: the lock file's descriptor, held
// while the command runs, is not inherited by it.
func TestSharedLockDoesNotReachTheCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := filepath.Join(t.TempDir(), "cache")
	out := filepath.Join(t.TempDir(), "fds")
	c := provider.New(`ls -l /proc/$$/fd >'`+out+`'; echo '{"Version":1,"AccessKeyId":"AKIDFDS","SecretAccessKey":"s"}'`,
		func(o *provider.Options) { o.SharedDir = dir })
	if _, err := c.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(fds), ".lock") || strings.Contains(string(fds), dir) {
		t.Errorf("the command's descriptors include the shared directory's files:\n%s", fds)
	}
}

// holderEnv makes the test binary take the shared lock as a provider
// would, through a provider over a producer that records that it started
// and then hangs: the test kills this process while it holds the lock.
const holderEnv = "PROVIDER_SHARED_HOLDER"

func init() {
	if os.Getenv(holderEnv) == "" {
		return
	}
	c := provider.NewArgs([]string{os.Getenv("HOLDER_PRODUCER")}, func(o *provider.Options) {
		o.SharedDir = os.Getenv("HOLDER_DIR")
	})
	c.Retrieve(context.Background()) //nolint:errcheck // killed before it returns
	os.Exit(0)
}

// TestSharedHolderKilled: a process killed (SIGKILL, or TerminateProcess
// on Windows) while it holds the lock and its command runs releases the
// lock with its death; a process waiting for it then runs the command
// itself and gets credentials, and never reads a torn entry.
func TestSharedHolderKilled(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
	// One command for both processes: the holder's producer hangs, the
	// waiter's prints credentials.
	exe, runs := portableProducer(t, "creds", "AKIDAFTERKILL", nil)
	self, _ := os.Executable()
	holder := exec.Command(self)
	holder.Env = append(os.Environ(), holderEnv+"=1", "HOLDER_PRODUCER="+exe, "HOLDER_DIR="+dir, portableEnv+"=hang",
		// Killed with its parent's death or not, it ends soon after.
		"PORTABLE_HANG_FOR=3s")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(proctest.Grace); runs() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the holder's producer never started")
		}
	}
	c := provider.NewArgs([]string{exe}, func(o *provider.Options) { o.SharedDir = dir })
	done := make(chan error, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // the waiter is waiting on the lock by then
		done <- holder.Process.Kill()
	}()
	got, err := c.Retrieve(context.Background())
	if kerr := <-done; kerr != nil {
		t.Fatal(kerr)
	}
	holder.Wait() //nolint:errcheck // killed
	if err != nil || got.AccessKeyID != "AKIDAFTERKILL" {
		t.Fatalf("Retrieve() while the holder was killed = %s, %v; want AKIDAFTERKILL", got.AccessKeyID, err)
	}
	if n := runs(); n != 2 {
		t.Errorf("producer runs = %d; want 2: the holder's, killed, and the waiter's", n)
	}
}

// TestSharedFullDisk: a shared directory on a full filesystem cannot take
// the entry: the provider warns and the caller still gets credentials.
func TestSharedFullDisk(t *testing.T) {
	mnt := fullFilesystem(t)
	log := &recorder{}
	get, runs := sharedProvider(t, filepath.Join(mnt, "cache"), log)
	if key, err := get(); err != nil || key != "AKIDSHAREDPROV" {
		t.Fatalf("Retrieve() = %q, %v; want the credentials", key, err)
	}
	if n := runs(); n != 1 {
		t.Errorf("producer runs = %d; want 1", n)
	}
	if lines := strings.Join(log.all(), "\n"); !strings.Contains(lines, "WARN") || !strings.Contains(lines, "no space left") {
		t.Errorf("log lacks a warning about the full disk:\n%s", lines)
	}
}

// TestSharedFailureHoldsNoSecret: a failing producer that printed secrets
// on stderr, under labels, leaves none in the host's entry, and the
// failure another process reads from it holds none in any rendering.
func TestSharedFailureHoldsNoSecret(t *testing.T) {
	dir := filepath.Join(proctest.TempDir(t, "provider-test"), "cache")
	line := quoted(helper(t, helperSpec{Stderr: "AWS_SECRET_ACCESS_KEY=" + plantedSecret + "\nX-Amz-Security-Token: " + plantedToken + "\n", Exit: 4}))
	newCache := func() func() error {
		c := provider.New(line, func(o *provider.Options) { o.SharedDir = dir })
		return func() error { _, err := c.Retrieve(context.Background()); return err }
	}
	first := newCache()()
	second := newCache()() // another process's view: the recorded failure
	for i, err := range []error{first, second} {
		var pe *provider.ProcessError
		if !errors.As(err, &pe) || pe.ExitCode != 4 {
			t.Fatalf("Retrieve %d error = %v; want exit 4", i+1, err)
		}
		assertNoSecret(t, err, nil)
	}
	if !strings.Contains(second.Error(), "another process") {
		t.Errorf("the shared failure = %q; want it to say another process ran the command", second)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, e := range entries {
		b, _ := os.ReadFile(e)
		if strings.Contains(string(b), plantedSecret) || strings.Contains(string(b), plantedToken) {
			t.Errorf("entry %s holds a planted secret:\n%s", e, b)
		}
	}
}
