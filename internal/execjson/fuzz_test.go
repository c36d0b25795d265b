package execjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzParse builds a document from fuzzed parts around the planted secret
// key and session token, in the places a producer writes them, and parses
// it. Parse must not panic; success must be a valid credential set; an
// error must be a *ParseError that holds neither secret, however the
// parts around them break the document.
//
// Seeds: the f.Add calls below and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	const (
		head = `{"Version":1,"AccessKeyId":"AKIDFUZZ","SecretAccessKey":"`
		mid  = `","SessionToken":"`
		tail = `","Expiration":"2030-01-01T00:00:00Z"}`
	)
	f.Add(head, mid, tail)
	f.Add("\xef\xbb\xbf"+head, mid, `"}`)
	f.Add(`[`+head, mid, tail+`]`)
	f.Add(`{"Version":"1","AccessKeyId":"AKIDFUZZ","SecretAccessKey":"`, mid, tail)
	f.Add(head, `","SecretAccessKey":"`, `"}`)
	f.Add(head, mid, `","Expiration":"2030-01-01T00:00:00"}`)
	f.Add(head, mid, `","Expiration":"2020-01-01T00:00:00Z"}`)
	f.Add(head, mid, `"} trailing`)
	f.Add(head, mid, "")
	f.Add(`{"Version":1,"AccessKeyId":"AKIDFUZZ","SecretAccessKey":`, `,"SessionToken":`, `}`)
	f.Add(`{"Version":1,"accesskeyid":"AKIDFUZZ","secretaccesskey":"\u00e9`, `\ud83d","sessiontoken":"`, `"}`)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, head, mid, tail string) {
		doc := head + plantedSecret + mid + plantedToken + tail
		creds, err := Parse([]byte(doc), now)
		if err != nil {
			var oe *ParseError
			if !errors.As(err, &oe) {
				t.Fatalf("Parse() error = %v (%T); want a *ParseError", err, err)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				if s := fmt.Sprintf(verb, err); strings.Contains(s, plantedSecret) || strings.Contains(s, plantedToken) {
					t.Fatalf("Sprintf(%q, err) holds a planted secret: %s", verb, s)
				}
			}
			return
		}
		checkValid(t, doc, creds, now)
	})
}

// checkValid fails unless creds is a valid credential set read from a
// document whose Version is the number 1. Like Parse, it skips a leading
// byte order mark and any Unicode space around the object.
func checkValid(t *testing.T, doc string, creds Credentials, now time.Time) {
	t.Helper()
	var v struct{ Version json.RawMessage }
	obj := bytes.TrimSpace(bytes.TrimPrefix([]byte(doc), utf8BOM))
	if err := json.Unmarshal(obj, &v); err != nil || string(bytes.TrimSpace(v.Version)) != "1" {
		t.Errorf("Parse() accepted a document whose Version is %q (%v)", v.Version, err)
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		t.Errorf("Parse() = %v; want an access key id and a secret key", creds)
	}
	if creds.CanExpire && !creds.Expires.After(now) {
		t.Errorf("Parse() = %v, expiring at %v; want a time after %v", creds, creds.Expires, now)
	}
	if !creds.CanExpire && !creds.Expires.IsZero() {
		t.Errorf("Parse() = %v; want a zero Expires when CanExpire is false", creds)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", creds, creds, creds, creds); strings.Contains(s, plantedSecret) || strings.Contains(s, plantedToken) {
		t.Errorf("printed Credentials hold a planted secret: %s", s)
	}
}

// rfc3339Grammar is the date-time production of RFC 3339, section 5.6, with an
// upper-case T and Z.
var rfc3339Grammar = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// FuzzParseExpiration parses fuzzed timestamps. It must not panic; a
// success must be RFC 3339 and print back to the same instant; an error must
// be a *ParseError naming Expiration. When plant is set, the planted
// secret is put into the input at pos, and the error must not hold it.
//
// Seeds: the f.Add calls below and testdata/fuzz/FuzzParseExpiration.
func FuzzParseExpiration(f *testing.F) {
	for _, s := range []string{
		"2030-01-01T00:00:00Z", "2030-01-01T00:00:00.123456789+05:30", "2030-01-01T00:00:00-00:00",
		"2030-01-01T00:00:00", "2030-01-01 00:00:00", "2030-01-01T24:00:00Z", "", "Z", "0000-01-01T00:00:00Z",
	} {
		f.Add(s, false, uint8(0))
		f.Add(s, true, uint8(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, s string, plant bool, pos uint8) {
		if plant {
			i := int(pos) % (len(s) + 1)
			s = s[:i] + plantedSecret + s[i:]
		}
		got, err := ParseExpiration(s)
		if err != nil {
			var oe *ParseError
			if !errors.As(err, &oe) || oe.Field != "Expiration" {
				t.Fatalf("ParseExpiration() error = %v (%T); want a *ParseError naming Expiration", err, err)
			}
			if plant && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), plantedSecret) {
				t.Fatalf("ParseExpiration() error holds the planted secret: %v", err)
			}
			return
		}
		if !plant && !rfc3339Grammar.MatchString(s) {
			t.Errorf("ParseExpiration(%q) = %v; want an error: not RFC 3339", s, got)
		}
		again, err := ParseExpiration(got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Errorf("ParseExpiration(%q) = %v, which prints as %q and parses back to %v, %v",
				s, got, got.Format(time.RFC3339Nano), again, err)
		}
	})
}
