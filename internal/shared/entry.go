package shared

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// formatVersion is the version of the entry format. An entry of another
// version is ignored and rewritten.
const formatVersion = 1

// Entry is what a host knows of one command: the newest set a run
// returned and when it is to be refreshed, or the failure of the last run,
// and the rejection backoff. It holds a secret key; it prints without it.
type Entry struct {
	// Program is the program's name, for listings.
	Program string
	// Generation counts the sets written; each run that writes a set makes
	// it one higher. A process holding a set of an older generation knows
	// that another process refreshed since, even if the command printed the
	// same key.
	Generation uint64
	// Creds is the set, with the producer's Expiration as Expires; no keys
	// when no run succeeded yet.
	Creds aws.Credentials
	// FetchedAt is when the run that printed Creds ended, and RefreshAt the
	// moment the strategy drew then: every process serves Creds until it,
	// then one refreshes.
	FetchedAt time.Time
	RefreshAt time.Time
	// Withdrawn: a service rejected Creds, and no run replaced them yet.
	Withdrawn bool
	// Failure is the last run's failure, when it failed.
	Failure *Failure
	// Rejections is the host's rejection backoff.
	Rejections Rejections
}

// Format prints the entry without its secret key and session token.
func (e *Entry) Format(f fmt.State, _ rune) {
	if e == nil {
		fmt.Fprint(f, "<nil>")
		return
	}
	fmt.Fprintf(f, "shared.Entry{Program: %q, Generation: %d, AccessKeyID: %q, Expires: %v, RefreshAt: %v, Withdrawn: %v, Failure: %v}",
		e.Program, e.Generation, e.Creds.AccessKeyID, e.Creds.Expires, e.RefreshAt, e.Withdrawn, e.Failure != nil)
}

// HasSet reports whether the entry holds a set that is not withdrawn and
// not expired at now.
func (e *Entry) HasSet(now time.Time) bool {
	return e != nil && e.Creds.HasKeys() && !e.Withdrawn && (!e.Creds.CanExpire || e.Creds.Expires.After(now))
}

// Failure is a failed run as an entry records it: the scrubbed error text,
// the exit code and the stderr excerpt (scrubbed of secrets when it was
// captured), and until when other processes take it as their own run's
// outcome instead of running the command.
type Failure struct {
	At    time.Time `json:"at"`
	Until time.Time `json:"until"`
	// Output: the output broke the specification (Field, Kind, Reason);
	// otherwise the command failed (ExitCode, Cause, TimedOut).
	Output   bool   `json:"output,omitempty"`
	ExitCode int    `json:"exit_code"`
	Cause    string `json:"cause,omitempty"`
	TimedOut bool   `json:"timed_out,omitempty"`
	Field    string `json:"field,omitempty"`
	Kind     uint8  `json:"kind,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Stderr   string `json:"stderr,omitempty"`
}

// Rejections is the host's rejection backoff: how many runs in a row
// replaced a set a service rejected, and before when no further rejection
// runs the command.
type Rejections struct {
	Count int       `json:"count,omitempty"`
	Next  time.Time `json:"next,omitzero"`
}

// file is an entry as it is stored.
type file struct {
	Version    int         `json:"version"`
	Identity   string      `json:"identity"`
	Program    string      `json:"program"`
	Generation uint64      `json:"generation"`
	Creds      *fileCreds  `json:"credentials,omitempty"`
	FetchedAt  time.Time   `json:"fetched_at,omitzero"`
	RefreshAt  time.Time   `json:"refresh_at,omitzero"`
	Withdrawn  bool        `json:"withdrawn,omitempty"`
	Failure    *Failure    `json:"failure,omitempty"`
	Rejections *Rejections `json:"rejections,omitempty"`
}

// fileCreds is the credential_process document's shape.
type fileCreds struct {
	AccessKeyID     string     `json:"AccessKeyId"`
	SecretAccessKey string     `json:"SecretAccessKey"`
	SessionToken    string     `json:"SessionToken,omitempty"`
	AccountID       string     `json:"AccountId,omitempty"`
	Expiration      *time.Time `json:"Expiration,omitempty"`
}

// encode renders e as stored for the identity sum.
func encode(e *Entry, sum [32]byte) ([]byte, error) {
	f := file{
		Version:    formatVersion,
		Identity:   hex.EncodeToString(sum[:]),
		Program:    e.Program,
		Generation: e.Generation,
		FetchedAt:  e.FetchedAt.UTC(),
		RefreshAt:  e.RefreshAt.UTC(),
		Withdrawn:  e.Withdrawn,
		Failure:    e.Failure,
	}
	if e.Creds.HasKeys() {
		c := e.Creds
		f.Creds = &fileCreds{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, AccountID: c.AccountID}
		if c.CanExpire {
			exp := c.Expires.UTC()
			f.Creds.Expiration = &exp
		}
	}
	if e.Rejections.Count > 0 {
		f.Rejections = &e.Rejections
	}
	return json.MarshalIndent(f, "", "  ")
}

// decode reads a stored entry. ok is false for an entry that is
// malformed, of another format version, or of another identity: such an
// entry is not to be used, and is rewritten by the next run. No error
// quotes the file, which holds secrets.
func decode(b []byte, sum [32]byte, source string) (e *Entry, ok bool) {
	var f file
	if json.Unmarshal(b, &f) != nil || f.Identity != hex.EncodeToString(sum[:]) {
		return nil, false
	}
	return fromFile(f, source)
}

// decodeAny reads a stored entry of any identity, for a listing; nil for
// one that does not parse.
func decodeAny(b []byte) *Entry {
	var f file
	if json.Unmarshal(b, &f) != nil {
		return nil
	}
	e, _ := fromFile(f, "")
	return e
}

// fromFile is the entry a stored file holds.
func fromFile(f file, source string) (e *Entry, ok bool) {
	if f.Version != formatVersion {
		return nil, false
	}
	e = &Entry{
		Program:    f.Program,
		Generation: f.Generation,
		FetchedAt:  f.FetchedAt,
		RefreshAt:  f.RefreshAt,
		Withdrawn:  f.Withdrawn,
		Failure:    f.Failure,
	}
	if f.Rejections != nil {
		e.Rejections = *f.Rejections
	}
	if c := f.Creds; c != nil {
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return nil, false
		}
		e.Creds = aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, AccountID: c.AccountID, Source: source}
		if c.Expiration != nil {
			e.Creds.CanExpire, e.Creds.Expires = true, *c.Expiration
		}
	}
	return e, true
}
