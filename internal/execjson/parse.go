package execjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Credentials is a credential set as the credential_process specification
// defines it. It holds secrets and prints without them.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	AccountID       string
	// Expires is when the credentials expire; zero when CanExpire is false.
	Expires   time.Time
	CanExpire bool
}

// Format prints the access key id and expiry, never the secret key or the
// session token.
func (c Credentials) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "execjson.Credentials{AccessKeyID: %q, SecretAccessKey: %s, SessionToken: %s, Expires: %v}",
		c.AccessKeyID, redacted(c.SecretAccessKey), redacted(c.SessionToken), c.Expires)
}

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// output mirrors the JSON document. Pointers tell a missing key from an
// empty one; Version stays raw so that "1" (a string) can be told from 1.
type output struct {
	Version         json.RawMessage
	AccessKeyID     *string `json:"AccessKeyId"`
	SecretAccessKey *string
	SessionToken    *string
	Expiration      *string
	AccountID       *string `json:"AccountId"`
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Parse validates stdout against the credential_process specification and
// returns the credentials. Credentials that expire at or before now are an
// error wrapping ErrExpired. Errors are *OutputError with an empty Program
// and Stderr, for the caller to fill in; they never quote the output.
//
// A leading UTF-8 byte order mark, as some Windows tools write, is skipped.
// JSON keys match case-insensitively, as in the AWS SDKs.
func Parse(stdout []byte, now time.Time) (Credentials, error) {
	doc := bytes.TrimSpace(bytes.TrimPrefix(stdout, utf8BOM))
	if len(doc) == 0 {
		return Credentials{}, &OutputError{Reason: "empty output"}
	}
	if doc[0] != '{' {
		return Credentials{}, &OutputError{Reason: "not a JSON object"}
	}
	var out output
	if err := json.Unmarshal(doc, &out); err != nil {
		return Credentials{}, jsonError(err)
	}
	if v := bytes.TrimSpace(out.Version); len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return Credentials{}, &OutputError{Field: "Version", Reason: "missing"}
	} else if !bytes.Equal(v, []byte("1")) {
		return Credentials{}, &OutputError{Field: "Version", Reason: "must be the number 1"}
	}
	creds := Credentials{
		AccessKeyID:     deref(out.AccessKeyID),
		SecretAccessKey: deref(out.SecretAccessKey),
		SessionToken:    deref(out.SessionToken),
		AccountID:       deref(out.AccountID),
	}
	if creds.AccessKeyID == "" {
		return Credentials{}, &OutputError{Field: "AccessKeyId", Reason: "missing or empty"}
	}
	if creds.SecretAccessKey == "" {
		return Credentials{}, &OutputError{Field: "SecretAccessKey", Reason: "missing or empty"}
	}
	if out.Expiration != nil {
		exp, err := ParseExpiration(*out.Expiration)
		if err != nil {
			return Credentials{}, err
		}
		if !exp.After(now) {
			return Credentials{}, &OutputError{
				Field:  "Expiration",
				Reason: fmt.Sprintf("credentials expired at %s", exp.UTC().Format(time.RFC3339)),
				Err:    ErrExpired,
			}
		}
		creds.Expires, creds.CanExpire = exp, true
	}
	return creds, nil
}

// naiveLayouts are timestamps without a zone that producers are known to
// print; they are recognised only to say what is wrong with them.
var naiveLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// ParseExpiration parses an RFC 3339 timestamp with a Z or a numeric offset
// and optional fractional seconds. Errors are *OutputError; unlike
// time.ParseError they do not echo the input.
func ParseExpiration(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil && strictRFC3339(s) {
		return t, nil
	}
	reason := "not an RFC 3339 timestamp"
	for _, layout := range naiveLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			reason = "timestamp has no time zone offset (want Z or ±hh:mm)"
		}
	}
	return time.Time{}, &OutputError{Field: "Expiration", Reason: reason}
}

// rfc3339 is the shape of an RFC 3339 date-time: time.Parse also takes a
// one-digit hour, a comma before the fraction and offsets up to +24:59.
// The ranges of the other fields are time.Parse's to check.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$`)

// strictRFC3339 reports whether s, which time.Parse accepted as
// time.RFC3339Nano, is RFC 3339 as written.
func strictRFC3339(s string) bool { return rfc3339.MatchString(s) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jsonError describes a decoding error by position and type only:
// encoding/json's messages are safe today, but a field's value is the
// secret, so nothing from the input is carried over.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return &OutputError{Reason: fmt.Sprintf("invalid JSON at byte offset %d", syntax.Offset)}
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 123" would quote the input
		return &OutputError{Field: typ.Field, Reason: fmt.Sprintf("must be a string, not a JSON %s", kind)}
	default:
		return &OutputError{Reason: "invalid JSON"}
	}
}
