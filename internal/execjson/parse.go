package execjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
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
// error wrapping ErrExpired. Errors are *ParseError; they never quote the
// output, apart from a numeric Version, which is no secret.
//
// A leading UTF-8 byte order mark, as some Windows tools write, is skipped.
// JSON keys match case-insensitively, as in the AWS SDKs.
func Parse(stdout []byte, now time.Time) (Credentials, error) {
	doc := bytes.TrimSpace(bytes.TrimPrefix(stdout, utf8BOM))
	switch {
	case len(doc) == 0:
		return Credentials{}, &ParseError{Kind: EmptyOutput, Reason: "empty output"}
	case doc[0] != '{' && !startsWithValue(doc) && bytes.IndexByte(doc, '{') > 0:
		// Not a JSON value, then an object: a wrapper printing
		// diagnostics to stdout, the usual cause.
		return Credentials{}, &ParseError{Kind: TextBeforeJSON,
			Reason: "output starts with text before the JSON object (print it to stderr instead)"}
	case doc[0] != '{':
		return Credentials{}, &ParseError{Kind: NotJSONObject, Reason: "not a JSON object"}
	}
	var out output
	if err := json.Unmarshal(doc, &out); err != nil {
		return Credentials{}, jsonError(doc, err)
	}
	if v := bytes.TrimSpace(out.Version); len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return Credentials{}, &ParseError{Field: "Version", Kind: Missing, Reason: "missing"}
	} else if !bytes.Equal(v, []byte("1")) {
		return Credentials{}, &ParseError{Field: "Version", Kind: VersionNotOne, Reason: "must be the number 1" + versionGot(v)}
	}
	creds := Credentials{
		AccessKeyID:     deref(out.AccessKeyID),
		SecretAccessKey: deref(out.SecretAccessKey),
		SessionToken:    deref(out.SessionToken),
		AccountID:       deref(out.AccountID),
	}
	if creds.AccessKeyID == "" {
		return Credentials{}, &ParseError{Field: "AccessKeyId", Kind: Missing, Reason: "missing or empty"}
	}
	if creds.SecretAccessKey == "" {
		return Credentials{}, &ParseError{Field: "SecretAccessKey", Kind: Missing, Reason: "missing or empty"}
	}
	if out.Expiration != nil {
		exp, err := ParseExpiration(*out.Expiration)
		if err != nil {
			return Credentials{}, err
		}
		creds.Expires, creds.CanExpire = exp, true
		if !exp.After(now) {
			// The credentials go with the error, for a report to show
			// which key expired when; the caller must not serve them.
			return creds, &ParseError{
				Field:  "Expiration",
				Kind:   Expired,
				Reason: fmt.Sprintf("credentials expired at %s", exp.UTC().Format(time.RFC3339)),
				Err:    ErrExpired,
			}
		}
	}
	return creds, nil
}

// startsWithValue reports whether doc begins with a whole JSON value,
// whatever follows it.
func startsWithValue(doc []byte) bool {
	var v json.RawMessage
	return json.NewDecoder(bytes.NewReader(doc)).Decode(&v) == nil
}

// versionGot says what Version held when it is not the number 1: a number
// is shown (it is short and no secret), any other value only by its JSON
// type.
func versionGot(v []byte) string {
	switch v[0] {
	case '"':
		return ", got a string"
	case '{':
		return ", got an object"
	case '[':
		return ", got an array"
	case 't', 'f':
		return ", got a boolean"
	}
	if _, err := strconv.ParseFloat(string(v), 64); err == nil && len(v) <= 20 {
		return ", got " + string(v)
	}
	return ""
}

// naiveLayouts are timestamps without a zone that producers are known to
// print; they are recognised only to say what is wrong with them.
var naiveLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

// ParseExpiration parses an RFC 3339 timestamp with a Z or a numeric offset
// and optional fractional seconds. Errors are *ParseError; unlike
// time.ParseError they do not echo the input.
func ParseExpiration(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err == nil && strictRFC3339(s) {
		return t, nil
	}
	for _, layout := range naiveLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return time.Time{}, &ParseError{Field: "Expiration", Kind: NoTimeZone,
				Reason: "timestamp has no time zone offset (want Z or ±hh:mm)"}
		}
	}
	return time.Time{}, &ParseError{Field: "Expiration", Kind: NotRFC3339, Reason: "not an RFC 3339 timestamp"}
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
func jsonError(doc []byte, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && trailingText(doc):
		return &ParseError{Kind: TextAfterJSON, Reason: "output has text after the JSON object (print it to stderr instead)"}
	case errors.As(err, &syntax):
		return &ParseError{Kind: InvalidJSON, Reason: fmt.Sprintf("invalid JSON at byte offset %d", syntax.Offset)}
	case errors.As(err, &typ):
		kind, _, _ := strings.Cut(typ.Value, " ") // "number 123" would quote the input
		return &ParseError{Field: typ.Field, Kind: NotAString, Reason: fmt.Sprintf("must be a string, not a JSON %s", kind)}
	default:
		return &ParseError{Kind: InvalidJSON, Reason: "invalid JSON"}
	}
}

// trailingText reports whether doc is one valid JSON value followed by
// more text.
func trailingText(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	var v json.RawMessage
	return dec.Decode(&v) == nil && dec.InputOffset() < int64(len(doc))
}
