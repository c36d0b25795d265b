// Package shared keeps one entry per command on the host, so that every
// process of a user that runs the same command shares one run of it.
//
// A directory holds, per command, an entry (NAME.json) and a lock file
// (NAME.lock). A process that needs a run takes the lock before it runs the
// command and holds it until the result is written; the others wait for the
// lock, then read what was written. The lock file is never renamed or
// removed, so that every process locks the same file; the entry is
// replaced whole (a temporary file in the same directory, synced, renamed
// over it), so that a reader sees the old entry or the new one, never a
// torn one, and needs no lock.
//
// Entries hold secret keys in plain text, as the AWS CLI's own caches do.
// The directory must be the user's own and closed to everyone else (0700),
// and every file 0600: anything else is refused, read or written, with an
// *UnsafeError.
package shared

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/safefile"
)

// UnsafeError reports a directory or file that is not safe to keep
// credentials in.
type UnsafeError = safefile.UnsafeError

// maxEntry bounds what is read of an entry: a real one is a few hundred
// bytes.
const maxEntry = 1 << 20

// Store is a directory of entries, checked to be safe.
type Store struct{ dir string }

// Open returns the store in dir, creating it (0700) if it does not exist.
// A directory that exists and is not safe is an *UnsafeError.
func Open(dir string) (*Store, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("shared cache: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("shared cache: %w", err)
	}
	if !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
		return nil, &UnsafeError{Path: dir, Problem: "is not a directory"}
	}
	if err := safefile.CheckOwner(dir, fi); err != nil {
		return nil, err
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Slot is the place of one identity's entry in a store.
type Slot struct {
	store   *Store
	sum     [sha256.Size]byte
	entry   string // path of the entry
	lock    string // path of the lock file
	program string
	source  string
}

// Slot returns the slot of identity id, whose program is program; source
// becomes the Source of the credentials read from it.
func (s *Store) Slot(id Identity, program, source string) *Slot {
	sum := id.Sum()
	n := name(sum)
	return &Slot{
		store:   s,
		sum:     sum,
		entry:   filepath.Join(s.dir, n+".json"),
		lock:    filepath.Join(s.dir, n+".lock"),
		program: program,
		source:  source,
	}
}

// Path returns the path of the slot's entry.
func (sl *Slot) Path() string { return sl.entry }

// Read returns the slot's entry, or nil if there is none, or none of this
// identity and format that parses (a corrupt or truncated entry counts as
// none, and the next write replaces it). An entry that is not safe to read
// is an *UnsafeError, and is not read.
func (sl *Slot) Read() (*Entry, error) {
	b, err := readEntry(sl.entry)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, ok := decode(b, sl.sum, sl.source)
	if !ok {
		return nil, nil
	}
	return e, nil
}

// readEntry reads the entry file at path, up to maxEntry bytes, if it is
// safe to read.
func readEntry(path string) ([]byte, error) {
	f, err := safefile.Open(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxEntry))
}

// Lock is the slot's lock, held.
type Lock struct {
	f *os.File
}

// lockPoll is how often a waiter tries the lock again.
const lockPoll = 10 * time.Millisecond

// Lock takes the slot's exclusive lock, waiting for another process that
// holds it until deadline or ctx ends. A wait that ends is
// context.DeadlineExceeded (or ctx's error); a lock file that is not safe
// is an *UnsafeError; a filesystem without working locks returns its
// error.
func (sl *Slot) Lock(ctx context.Context, deadline time.Time) (*Lock, error) {
	return sl.lockOr(ctx, deadline, nil)
}

// errDone is lockOr's answer when done reported true.
var errDone = errors.New("done without the lock")

// lockOr is Lock, with done called between tries: when it reports true,
// the wait ends with errDone. A waiter thus sees the entry another process
// wrote as soon as it is renamed into place, without queueing for the
// lock behind every other waiter.
func (sl *Slot) lockOr(ctx context.Context, deadline time.Time, done func() bool) (*Lock, error) {
	f, err := safefile.Open(sl.lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		busy, err := safefile.TryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("shared cache: lock %s: %w", sl.lock, err)
		}
		if !busy {
			return &Lock{f: f}, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(lockPoll):
		}
		if done != nil && done() {
			f.Close()
			return nil, errDone
		}
	}
}

// Unlock releases the lock.
func (l *Lock) Unlock() {
	safefile.Unlock(l.f) //nolint:errcheck // closing the file releases it too
	l.f.Close()
}

// Write replaces the slot's entry with e. The caller holds the lock.
func (sl *Slot) Write(e *Entry) error {
	if e.Program == "" {
		e.Program = sl.program
	}
	b, err := encode(e, sl.sum)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(sl.store.dir, "."+filepath.Base(sl.entry)+".*.tmp")
	if err != nil {
		return fmt.Errorf("shared cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after a successful rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("shared cache: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("shared cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("shared cache: %w", err)
	}
	if err := safefile.Replace(tmp.Name(), sl.entry, sl.store.dir); err != nil {
		return fmt.Errorf("shared cache: %w", err)
	}
	return nil
}

// Listed is one entry as a listing shows it.
type Listed struct {
	// Path is the entry's file.
	Path string
	// Entry is nil for a file that does not parse.
	Entry *Entry
}

// List returns the entries in the store. It reads every entry whatever its
// identity; files that are not safe are left out.
func (s *Store) List() ([]Listed, error) {
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Listed
	for _, path := range names {
		l := Listed{Path: path}
		if b, err := readEntry(path); err == nil {
			l.Entry = decodeAny(b)
		}
		out = append(out, l)
	}
	return out, nil
}

// Clear removes every entry, and temporary files left by writers that
// died, but no lock file: a process waiting on a lock must go on waiting
// on the file the next writer locks. It returns how many entries it
// removed.
func (s *Store) Clear() (int, error) {
	n := 0
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, err
	}
	for _, de := range entries {
		name := de.Name()
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".tmp") {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, err
			}
			if strings.HasSuffix(name, ".json") {
				n++
			}
		}
	}
	return n, nil
}

// Stamp identifies a version of the slot's entry file cheaply: its size,
// modification time and, where the system has one, file id. A new entry is
// a new file, so its stamp differs. The zero Stamp means no entry.
type Stamp struct {
	size    int64
	modTime time.Time
	id      uint64
}

// Stamp returns the stamp of the slot's entry, without reading it.
func (sl *Slot) Stamp() Stamp {
	fi, err := os.Lstat(sl.entry)
	if err != nil {
		return Stamp{}
	}
	return Stamp{size: fi.Size(), modTime: fi.ModTime(), id: safefile.FileID(fi)}
}
