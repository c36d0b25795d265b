package execjson

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Credentials
	}{
		{
			name: "full, UTC",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-26T13:00:00Z","AccountId":"123456789012"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", SessionToken: "t", AccountID: "123456789012", Expires: now.Add(time.Hour), CanExpire: true},
		},
		{
			name: "local offset without fraction (granted, saml2aws)",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-11-26T14:00:00+01:00"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", SessionToken: "t", Expires: now.Add(time.Hour), CanExpire: true},
		},
		{
			name: "fractional seconds and negative offset",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"2026-11-26T08:00:00.250-05:00"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", Expires: now.Add(time.Hour + 250*time.Millisecond), CanExpire: true},
		},
		{
			name: "long-term keys: no token, no expiration (op, aws-vault --no-session)",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"},
		},
		{
			name: "byte order mark, whitespace, unknown keys",
			doc:  "\xef\xbb\xbf\n  {\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"s\",\"Extra\":{\"a\":[1]}}\n",
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"},
		},
		{
			name: "unicode and a 4 KiB session token",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"sé✓","SessionToken":"` + strings.Repeat("T", 4096) + `"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "sé✓", SessionToken: strings.Repeat("T", 4096)},
		},
		{
			name: "expires one second from now",
			doc:  `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"2026-11-26T12:00:01Z"}`,
			want: Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", Expires: now.Add(time.Second), CanExpire: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.doc), now)
			if err != nil {
				t.Fatalf("Parse() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(time.Time.Equal)); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	const s = plantedSecret
	tests := []struct {
		name      string
		doc       string
		wantField string
		wantKind  Kind
		wantText  string
		wantIs    error
	}{
		{"empty", "", "", EmptyOutput, "empty output", nil},
		{"whitespace only", " \n\t", "", EmptyOutput, "empty output", nil},
		{"garbage", "ohai " + s, "", NotJSONObject, "not a JSON object", nil},
		{"array", `[{"Version":1}]`, "", NotJSONObject, "not a JSON object", nil},
		{"null", `null`, "", NotJSONObject, "not a JSON object", nil},
		{"cut mid-document", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s, "", InvalidJSON, "invalid JSON", nil},
		{"trailing garbage", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `"} trailing`, "", TextAfterJSON, "text after the JSON object", nil},
		{"two documents", `{"Version":1}{"Version":1}`, "", TextAfterJSON, "text after the JSON object", nil},
		{"banner before the document", "Fetching credentials for dev...\n" + `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `"}`, "", TextBeforeJSON, "text before the JSON object", nil},
		{"missing Version", `{"AccessKeyId":"AKID","SecretAccessKey":"` + s + `"}`, "Version", Missing, "missing", nil},
		{"Version as string", `{"Version":"1","AccessKeyId":"AKID","SecretAccessKey":"` + s + `"}`, "Version", VersionNotOne, "must be the number 1, got a string", nil},
		{"Version 2", `{"Version":2,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `"}`, "Version", VersionNotOne, "must be the number 1, got 2", nil},
		{"missing AccessKeyId", `{"Version":1,"SecretAccessKey":"` + s + `"}`, "AccessKeyId", Missing, "missing", nil},
		{"empty SecretAccessKey", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":""}`, "SecretAccessKey", Missing, "missing", nil},
		{"SecretAccessKey not a string", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":12345678901234567890}`, "SecretAccessKey", NotAString, "must be a string, not a JSON number", nil},
		{"naive timestamp", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `","Expiration":"2030-01-01T00:00:00"}`, "Expiration", NoTimeZone, "no time zone", nil},
		{"space-separated naive timestamp", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `","Expiration":"2030-01-01 00:00:00"}`, "Expiration", NoTimeZone, "no time zone", nil},
		{"not a timestamp", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `","Expiration":"` + s + `"}`, "Expiration", NotRFC3339, "not an RFC 3339 timestamp", nil},
		{"expired", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `","Expiration":"2026-11-26T11:00:00Z"}`, "Expiration", Expired, "expired at 2026-11-26T11:00:00Z", ErrExpired},
		{"expires now", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + s + `","Expiration":"2026-11-26T12:00:00Z"}`, "Expiration", Expired, "expired", ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), now)
			var oe *ParseError
			if !errors.As(err, &oe) {
				t.Fatalf("Parse() error = %v (%T); want *ParseError", err, err)
			}
			if oe.Field != tt.wantField || oe.Kind != tt.wantKind {
				t.Errorf("Field, Kind = %q, %d; want %q, %d", oe.Field, oe.Kind, tt.wantField, tt.wantKind)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Error() = %q; want it to contain %q", err, tt.wantText)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantIs)
			}
			for _, verb := range []string{"%v", "%+v", "%#v"} {
				if out := fmt.Sprintf(verb, err); strings.Contains(out, s) || strings.Contains(out, "1234567890") {
					t.Errorf("Sprintf(%q, err) echoes the output: %s", verb, out)
				}
			}
		})
	}
}

func TestCredentialsFormatHidesSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "AKID", SecretAccessKey: plantedSecret, SessionToken: plantedToken}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(out, plantedSecret) || strings.Contains(out, plantedToken) {
			t.Errorf("Sprintf(%q) = %s; want no secret", verb, out)
		}
	}
	r := Result{Stdout: []byte(plantedSecret)}
	if out := fmt.Sprintf("%#v", r); strings.Contains(out, plantedSecret) {
		t.Errorf("Sprintf(%%#v, Result) = %s; want no stdout", out)
	}
}
