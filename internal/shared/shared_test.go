package shared_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/shared"
)

const secret, token = "pLaNtEdSeCrEtKeY/shared0123456789", "pLaNtEdSeSsIoNtOkEn+shared=="

// store opens a store in a new directory.
func store(t *testing.T) *shared.Store {
	t.Helper()
	s, err := shared.Open(filepath.Join(proctest.TempDir(t, "shared-test"), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func creds(key string, exp time.Time) aws.Credentials {
	return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret, SessionToken: token, CanExpire: true, Expires: exp}
}

// write writes e to slot under its lock.
func write(t *testing.T, sl *shared.Slot, e *shared.Entry) {
	t.Helper()
	l, err := sl.Lock(context.Background(), time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := sl.Write(e); err != nil {
		t.Fatal(err)
	}
}

func TestEntryRoundTrip(t *testing.T) {
	sl := store(t).Slot(shared.NewIdentity("broker --profile dev", nil, "", nil), "broker", "test")
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := &shared.Entry{Program: "broker", Generation: 3, Creds: creds("AKIDROUND", exp),
		FetchedAt: exp.Add(-time.Hour), RefreshAt: exp.Add(-20 * time.Minute)}
	want.Creds.Source = "test"
	write(t, sl, want)
	got, err := sl.Read()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read() after Write (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(sl.Path())
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("entry mode = %#o; want 0600", fi.Mode().Perm())
	}
}

// TestWhoShares: processes share an entry exactly when their identities
// match: the command, the working directory when set (absolute), the
// environment when set, otherwise the selecting variables, and the user.
func TestWhoShares(t *testing.T) {
	t.Setenv("AWS_PROFILE", "dev")
	t.Setenv("CREDPROCESS_TEST_UNRELATED", "a")
	base := shared.NewIdentity("broker", nil, "", nil).Sum()
	wd, _ := os.Getwd()
	same := func(f func() shared.Identity) bool { return f().Sum() == base }
	tests := []struct {
		name  string
		id    func() shared.Identity
		share bool
	}{
		{"the same line", func() shared.Identity { return shared.NewIdentity("broker", nil, "", nil) }, true},
		{"an unrelated variable changed", func() shared.Identity {
			t.Setenv("CREDPROCESS_TEST_UNRELATED", "b")
			return shared.NewIdentity("broker", nil, "", nil)
		}, true},
		{"another working directory of the caller", func() shared.Identity {
			t.Chdir(proctest.TempDir(t, "shared-test"))
			return shared.NewIdentity("broker", nil, "", nil)
		}, true},
		{"another line", func() shared.Identity { return shared.NewIdentity("broker --other", nil, "", nil) }, false},
		{"arguments instead of a line", func() shared.Identity { return shared.NewIdentity("", []string{"broker"}, "", nil) }, false},
		{"AWS_PROFILE changed", func() shared.Identity {
			t.Setenv("AWS_PROFILE", "prod")
			return shared.NewIdentity("broker", nil, "", nil)
		}, false},
		{"Options.Dir set", func() shared.Identity { return shared.NewIdentity("broker", nil, wd, nil) }, false},
		{"Options.Env set", func() shared.Identity { return shared.NewIdentity("broker", nil, "", os.Environ()) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := same(tt.id); got != tt.share {
				t.Errorf("shares the entry = %v; want %v", got, tt.share)
			}
		})
	}

	// A relative Dir is made absolute; a relative program path is made
	// absolute against the directory it runs in.
	t.Run("relative paths", func(t *testing.T) {
		dir := proctest.TempDir(t, "shared-test")
		t.Chdir(dir)
		if a, b := shared.NewIdentity("broker", nil, ".", nil), shared.NewIdentity("broker", nil, dir, nil); a.Sum() != b.Sum() {
			t.Error("Dir \".\" and its absolute path do not share")
		}
		a := shared.NewIdentity("", []string{"./broker"}, "", nil)
		t.Chdir(proctest.TempDir(t, "shared-test"))
		if b := shared.NewIdentity("", []string{"./broker"}, "", nil); a.Sum() == b.Sum() {
			t.Error("./broker in two directories shares one entry")
		}
	})
}

// TestUnsafeStores: a store or entry that another user could read or
// write, or that is a symbolic link, is refused and left as it is. On
// Windows only links are refused: modes and owners are not checked.
func TestUnsafeStores(t *testing.T) {
	t.Run("directory open to others", func(t *testing.T) {
		skipOnWindows(t, "modes are not checked on Windows")
		dir := filepath.Join(proctest.TempDir(t, "shared-test"), "open")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, 0o755) //nolint:errcheck // against the umask
		_, err := shared.Open(dir)
		var ue *shared.UnsafeError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "0755") {
			t.Errorf("Open(0755 dir) error = %v; want an *UnsafeError naming the mode", err)
		}
	})
	t.Run("directory that is a link", func(t *testing.T) {
		target := proctest.TempDir(t, "shared-test")
		link := filepath.Join(proctest.TempDir(t, "shared-test"), "link")
		symlink(t, target, link)
		if _, err := shared.Open(link); !isUnsafe(err) {
			t.Errorf("Open(link) error = %v; want an *UnsafeError", err)
		}
	})
	t.Run("a file where the directory should be", func(t *testing.T) {
		file := filepath.Join(proctest.TempDir(t, "shared-test"), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := shared.Open(filepath.Join(file, "cache")); err == nil {
			t.Error("Open under a regular file = nil error")
		}
	})
	t.Run("entry open to others", func(t *testing.T) {
		skipOnWindows(t, "modes are not checked on Windows")
		sl := store(t).Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test")
		write(t, sl, &shared.Entry{Creds: creds("AKIDOPEN", time.Now().Add(time.Hour))})
		if err := os.Chmod(sl.Path(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := sl.Read(); !isUnsafe(err) {
			t.Errorf("Read(0644 entry) error = %v; want an *UnsafeError", err)
		}
	})
	t.Run("entry that is a link", func(t *testing.T) {
		sl := store(t).Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test")
		target := filepath.Join(proctest.TempDir(t, "shared-test"), "target")
		const content = "not an entry"
		if err := os.WriteFile(target, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		symlink(t, target, sl.Path())
		if _, err := sl.Read(); !isUnsafe(err) {
			t.Errorf("Read(link entry) error = %v; want an *UnsafeError", err)
		}
		if b, _ := os.ReadFile(target); string(b) != content {
			t.Errorf("the link's target changed to %q", b)
		}
	})
	t.Run("entry of another user", func(t *testing.T) {
		skipOnWindows(t, "owners are not checked on Windows")
		if os.Getuid() != 0 {
			t.Skip("chown needs root")
		}
		sl := store(t).Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test")
		write(t, sl, &shared.Entry{Creds: creds("AKIDNOBODY", time.Now().Add(time.Hour))})
		if err := os.Chown(sl.Path(), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := sl.Read(); !isUnsafe(err) || !strings.Contains(err.Error(), "uid 65534") {
			t.Errorf("Read(nobody's entry) error = %v; want an *UnsafeError naming uid 65534", err)
		}
	})
}

// symlink makes link a symbolic link to target, or skips t where Windows
// makes none: without Developer Mode or an administrator's rights it
// refuses, and Wine 8.0's CreateSymbolicLinkW reports success and creates
// nothing.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("no symbolic link: %v", err)
		}
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); errors.Is(err, fs.ErrNotExist) {
		t.Skip("the system made no symbolic link")
	}
}

func skipOnWindows(t *testing.T, why string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip(why)
	}
}

func isUnsafe(err error) bool {
	var ue *shared.UnsafeError
	return errors.As(err, &ue)
}

// TestBadEntriesAreIgnored: a corrupt, truncated or foreign entry reads
// as none, and the next write replaces it.
func TestBadEntriesAreIgnored(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "not json",
		"truncated": `{"version":1,"identity":"`,
		"empty":     "",
		"another identity": `{"version":1,"identity":"00","program":"x","generation":1,` +
			`"credentials":{"AccessKeyId":"AKIDOTHER","SecretAccessKey":"s"}}`,
		"another version": `{"version":99}`,
	} {
		t.Run(name, func(t *testing.T) {
			sl := store(t).Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test")
			if err := os.WriteFile(sl.Path(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if e, err := sl.Read(); e != nil || err != nil {
				t.Fatalf("Read() = %v, %v; want nil, nil", e, err)
			}
			write(t, sl, &shared.Entry{Creds: creds("AKIDREWRITTEN", time.Now().Add(time.Hour))})
			if e, err := sl.Read(); err != nil || e == nil || e.Creds.AccessKeyID != "AKIDREWRITTEN" {
				t.Errorf("Read() after a write = %v, %v; want the new entry", e, err)
			}
		})
	}
}

// TestObtainRunsOnce: goroutines obtaining through their own store handle
// (as processes would) run the command once; the others wait and read
// what it wrote.
func TestObtainRunsOnce(t *testing.T) {
	dir := store(t).Dir()
	id := shared.NewIdentity("broker", nil, "", nil)
	var runs atomic.Int32
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			s, err := shared.Open(dir)
			if err != nil {
				t.Error(err)
				return
			}
			res, err := s.Slot(id, "broker", "test").Obtain(context.Background(), shared.Request{
				Now:     time.Now,
				Timeout: time.Minute,
				Usable:  func(*shared.Entry, time.Time) bool { return true },
				Run: func(context.Context, time.Duration) shared.Outcome {
					runs.Add(1)
					time.Sleep(100 * time.Millisecond)
					return shared.Outcome{Creds: creds("AKIDONCE", time.Now().Add(time.Hour)), RefreshAt: time.Now().Add(30 * time.Minute)}
				},
			})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = res.Entry.Creds.AccessKeyID
		})
	}
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Errorf("runs = %d; want 1", n)
	}
	for i, k := range got {
		if k != "AKIDONCE" {
			t.Errorf("obtainer %d got %q; want AKIDONCE", i, k)
		}
	}
}

// TestObtainSharesFailures: a failed run is every obtainer's outcome until
// its backoff ends, without another run.
func TestObtainSharesFailures(t *testing.T) {
	sl := store(t).Slot(shared.NewIdentity("broker", nil, "", nil), "broker", "test")
	var runs int
	req := shared.Request{
		Now:     time.Now,
		Timeout: time.Minute,
		Usable:  func(*shared.Entry, time.Time) bool { return true },
		Run: func(context.Context, time.Duration) shared.Outcome {
			runs++
			return shared.Outcome{Failure: &shared.Failure{At: time.Now(), Until: time.Now().Add(time.Hour), ExitCode: 3, Stderr: "broker down"}}
		},
	}
	for range 3 {
		res, err := sl.Obtain(context.Background(), req)
		if err != nil || res.Entry.Failure == nil || res.Entry.Failure.ExitCode != 3 {
			t.Fatalf("Obtain() = %v, %v; want the failure, exit 3", res.Entry, err)
		}
	}
	if runs != 1 {
		t.Errorf("runs = %d; want 1", runs)
	}
}

// TestLockWaitEnds: a wait for a lock another holder keeps ends at the
// deadline.
func TestLockWaitEnds(t *testing.T) {
	dir := store(t).Dir()
	id := shared.NewIdentity("broker", nil, "", nil)
	s1, _ := shared.Open(dir)
	s2, _ := shared.Open(dir)
	l, err := s1.Slot(id, "broker", "test").Lock(context.Background(), time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if _, err := s2.Slot(id, "broker", "test").Lock(context.Background(), time.Now().Add(50*time.Millisecond)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock() while held elsewhere = %v; want context.DeadlineExceeded at the deadline", err)
	}
}

// TestEntryPrintsWithoutSecrets: an entry, under every verb, shows no
// secret key or session token.
func TestEntryPrintsWithoutSecrets(t *testing.T) {
	e := &shared.Entry{Program: "broker", Creds: creds("AKIDPRINT", time.Now())}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := sprintf(verb, e); strings.Contains(s, secret) || strings.Contains(s, token) {
			t.Errorf("Sprintf(%q, entry) holds a secret: %s", verb, s)
		}
	}
}

func sprintf(verb string, v any) string { return fmt.Sprintf(verb, v) }
