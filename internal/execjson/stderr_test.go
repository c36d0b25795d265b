package execjson

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// The tests of the excerpt itself are in internal/scrub; these run a
// command that echoes its secrets to stderr.

// secretDocument is a credential_process document holding the planted
// secrets.
var secretDocument = validJSON(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))

// leaks returns a piece of the secret s, any six bytes of it, that text
// shows.
func leaks(text, s string) string { return proctest.SecretPiece(text, 6, s) }

// TestRunScrubsAcrossCut is the producer that found the leak: it writes
// 2040 bytes to stderr, then its document to both streams, then padding to
// 4097 bytes, and exits 1. Other offsets put the secret across the tail's
// cut, and one writes CRLF line ends.
func TestRunScrubsAcrossCut(t *testing.T) {
	doc := secretDocument
	key, token := strings.Index(doc, plantedSecret), strings.Index(doc, plantedToken)
	const total = 3 * StderrExcerpt
	for _, tt := range []struct {
		name       string
		at, total  int
		wantExcept string
	}{
		{"the reported producer", 2040, 4097, "bytes elided"},
		{"secret key across the head's cut", StderrExcerpt - key - 20, total, "bytes elided"},
		{"session token across the head's cut", StderrExcerpt - token - 20, total, "bytes elided"},
		{"secret key across the tail's cut", total - StderrExcerpt - key - 20, total, "bytes elided"},
		{"session token across the tail's cut", total - StderrExcerpt - token - 20, total, "bytes elided"},
		{"bytes dropped", 20 << 10, 64 << 10, "bytes elided"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := self(t, "stderr-at")
			c.Env = append(c.Env, "AT="+strconv.Itoa(tt.at), "TOTAL="+strconv.Itoa(tt.total))
			_, err := Run(context.Background(), c)
			var pe *RunError
			if !errors.As(err, &pe) || pe.ExitCode != 1 {
				t.Fatalf("Run() error = %v; want exit status 1", err)
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				s := fmt.Sprintf(verb, err)
				for _, secret := range []string{plantedSecret, plantedToken} {
					if piece := leaks(s, secret); piece != "" {
						t.Errorf("Sprintf(%q, err) shows %q: %s", verb, piece, s)
					}
				}
			}
			if !strings.Contains(pe.Stderr, tt.wantExcept) || !utf8.ValidString(pe.Stderr) {
				t.Errorf("Stderr = %q; want an excerpt", pe.Stderr)
			}
		})
	}
}

// TestRunCRLFStderr runs a program that ends its stderr lines with CRLF.
func TestRunCRLFStderr(t *testing.T) {
	_, err := Run(context.Background(), self(t, "fail-crlf"))
	var pe *RunError
	if !errors.As(err, &pe) {
		t.Fatalf("Run() error = %v; want a *RunError", err)
	}
	if want := "Login required: run aws sso login\nthen retry"; pe.Stderr != want || strings.ContainsRune(err.Error(), '\uFFFD') {
		t.Errorf("Stderr = %q, Error() = %q; want Stderr %q and no U+FFFD", pe.Stderr, err, want)
	}
}

// stderrAt is the "stderr-at" helper: AT bytes of padding on stderr, the
// document on stdout and stderr, padding up to TOTAL bytes, exit 1.
func stderrAt() {
	at, _ := strconv.Atoi(os.Getenv("AT"))
	total, _ := strconv.Atoi(os.Getenv("TOTAL"))
	doc := secretDocument
	os.Stdout.WriteString(doc)
	os.Stderr.WriteString(strings.Repeat(".", at) + doc + strings.Repeat(".", max(0, total-at-len(doc))))
	os.Exit(1)
}
