package provider_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/seed-dcc28122/credprocess/provider"
)

// TestErrorsNameWindowsProgramsReadably: a Windows path keeps single
// backslashes in error messages.
func TestErrorsNameWindowsProgramsReadably(t *testing.T) {
	const program = `C:\Program Files (x86)\My Tool\creds.exe`
	tests := []struct {
		err  error
		want string
	}{
		{&provider.ProcessError{Program: program, ExitCode: 1}, `credential_process "` + program + `" exited with status 1`},
		{&provider.OutputError{Program: program, Field: "Version", Reason: "missing"}, `credential_process "` + program + `" output: Version: missing`},
		{&provider.ProcessError{Program: "a\"b\n", ExitCode: 1, Stderr: "denied"}, `credential_process "a\"b\n" exited with status 1; stderr: denied`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s; want %s", got, tt.want)
		}
	}
}

// TestOutputErrorKinds: each kind of bad output reaches the caller as an
// *OutputError with its Kind, the field at fault and a reason that says
// what to do, as credprocess check says it.
func TestOutputErrorKinds(t *testing.T) {
	tests := []struct {
		name, out  string
		kind       provider.OutputKind
		field      string
		wantReason string
	}{
		{"empty", "\n", provider.EmptyOutput, "", "empty output"},
		{"a banner before the JSON", "Using cached session for dev\n" + `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s"}`,
			provider.TextBeforeJSON, "", "output starts with text before the JSON object (print it to stderr instead)"},
		{"text after the JSON", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s"}` + "\ndone",
			provider.TextAfterJSON, "", "output has text after the JSON object (print it to stderr instead)"},
		{"an array", `[1]`, provider.NotJSONObject, "", "not a JSON object"},
		{"cut short", `{"Version":1,`, provider.InvalidJSON, "", "invalid JSON at byte offset 13"},
		{"a number key", `{"Version":1,"AccessKeyId":12}`, provider.NotAString, "AccessKeyId", "must be a string, not a JSON number"},
		{"no secret", `{"Version":1,"AccessKeyId":"AKID"}`, provider.MissingField, "SecretAccessKey", "missing or empty"},
		{"version 2", `{"Version":2,"AccessKeyId":"AKID","SecretAccessKey":"s"}`, provider.VersionNotOne, "Version", "must be the number 1, got 2"},
		{"local time", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"2030-01-01T10:00:00"}`,
			provider.NoTimeZone, "Expiration", "timestamp has no time zone offset (want Z or ±hh:mm)"},
		{"not a time", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"soon"}`,
			provider.NotRFC3339, "Expiration", "not an RFC 3339 timestamp"},
		{"expired", `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"s","Expiration":"2000-01-01T00:00:00Z"}`,
			provider.AlreadyExpired, "Expiration", "credentials expired at 2000-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c, _ := provider.NewWithRunner(func(context.Context) ([]byte, error) { return []byte(tt.out), nil })
				_, err := c.Retrieve(context.Background())
				var oe *provider.OutputError
				if !errors.As(err, &oe) {
					t.Fatalf("Retrieve() error = %v; want an *OutputError", err)
				}
				if oe.Kind != tt.kind || oe.Field != tt.field || oe.Reason != tt.wantReason {
					t.Errorf("OutputError{Kind: %d, Field: %q, Reason: %q}; want {%d, %q, %q}", oe.Kind, oe.Field, oe.Reason, tt.kind, tt.field, tt.wantReason)
				}
				if tt.kind == provider.AlreadyExpired && !errors.Is(err, provider.ErrExpired) {
					t.Errorf("errors.Is(%v, ErrExpired) = false", err)
				}
				time.Sleep(provider.FailureBackoff)
			})
		})
	}
}
