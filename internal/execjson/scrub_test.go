package execjson

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// Ways a producer writes a secret, on stdout or stderr.
var secretForms = map[string]func(string) string{
	"plain": func(s string) string { return s },
	// PHP's json_encode escapes every slash.
	"slashes escaped": func(s string) string { return strings.ReplaceAll(s, "/", `\/`) },
	// Gson escapes =, <, >, & and ' as \u00XX, in lower case.
	"gson": func(s string) string { return strings.ReplaceAll(s, "=", `\u003d`) },
	// Every character escaped, hex in upper case.
	"all escaped": func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		return b.String()
	},
	// A JSON document logged as a string inside a JSON log line.
	"escaped twice":   func(s string) string { return strings.ReplaceAll(s, "/", `\\\/`) },
	"percent-encoded": url.QueryEscape,
}

// document is a credential_process document whose secrets are written as
// form writes them.
func document(form func(string) string) string {
	return `{"Version":1,"AccessKeyId":"AKIDEXAMPLE1234","SecretAccessKey":"` + form(plantedSecret) +
		`","SessionToken":"` + form(plantedToken) + `","Expiration":"2030-01-01T00:00:00Z"}`
}

// leaks returns a piece of the secret s that text shows: any six bytes of it
// as decoded, or any twelve of it as written (two escapes' worth).
func leaks(text, s, written string) string {
	for _, w := range []struct {
		s string
		n int
	}{{s, 6}, {written, 12}} {
		for i := 0; i+w.n <= len(w.s); i++ {
			if piece := w.s[i : i+w.n]; strings.Contains(text, piece) {
				return piece
			}
		}
	}
	return ""
}

// TestExcerptScrubsAcrossCuts writes a secret at every offset around each
// cut of the excerpt, the head's end and the tail's start, in streams that
// are cut in the shown text only and in streams long enough to drop bytes,
// and checks that no piece of it is shown.
func TestExcerptScrubsAcrossCuts(t *testing.T) {
	const n = StderrExcerpt
	pairs := []struct{ stdout, stderr string }{
		{"plain", "plain"},
		{"slashes escaped", "plain"},
		{"gson", "plain"},
		{"plain", "all escaped"},
	}
	for _, p := range pairs {
		stdout := []byte(document(secretForms[p.stdout]))
		for _, secret := range []string{plantedSecret, plantedToken} {
			written := secretForms[p.stderr](secret)
			for _, total := range []int{2*n + len(written) + 64, 2*(n+scrubOverlap) + 5000} {
				for _, cut := range []int{n, total - n} {
					for at := cut - len(written) - 1; at <= cut+1; at++ {
						stream := strings.Repeat(".", at) + written + strings.Repeat(".", total-at-len(written))
						w := &excerptWriter{n: n}
						for chunk := range slicesChunk(stream, 1000) {
							w.Write([]byte(chunk))
						}
						got := w.excerpt(stdout)
						if piece := leaks(got, secret, written); piece != "" {
							t.Fatalf("stdout %s, stderr %s, %d bytes, secret at %d (cut at %d): excerpt shows %q:\n%s",
								p.stdout, p.stderr, total, at, cut, piece, got)
						}
						if !strings.Contains(got, "bytes elided") {
							t.Fatalf("%d bytes: excerpt elides nothing", total)
						}
					}
				}
			}
		}
	}
}

func slicesChunk(s string, n int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// TestExcerptScrubsEveryForm echoes the secrets to stderr in every form,
// whichever form stdout printed them in, and writes labelled secrets that
// stdout does not hold.
func TestExcerptScrubsEveryForm(t *testing.T) {
	for outName, outForm := range secretForms {
		if outName == "percent-encoded" || outName == "escaped twice" {
			continue // not a JSON document
		}
		for errName, errForm := range secretForms {
			t.Run(outName+" on stdout, "+errName+" on stderr", func(t *testing.T) {
				w := &excerptWriter{n: StderrExcerpt}
				fmt.Fprintf(w, "debug: key %s token %s\n", errForm(plantedSecret), errForm(plantedToken))
				got := w.excerpt([]byte(document(outForm)))
				for _, s := range []string{plantedSecret, plantedToken} {
					if piece := leaks(got, s, errForm(s)); piece != "" {
						t.Errorf("excerpt shows %q: %s", piece, got)
					}
				}
				if !strings.Contains(got, "debug: key [redacted] token [redacted]") {
					t.Errorf("excerpt = %q; want both secrets replaced by %s", got, redactedMark)
				}
			})
		}
	}

	labelled := []string{
		"export AWS_SECRET_ACCESS_KEY=" + plantedSecret + "\nexport AWS_SESSION_TOKEN=" + plantedToken,
		"AWS_SECRET_ACCESS_KEY='" + plantedSecret + "' AWS_SESSION_TOKEN=\"" + plantedToken + `"`,
		"aws_secret_access_key = " + plantedSecret + "\naws_session_token = " + plantedToken,
		"set AWS_SECRET_ACCESS_KEY=" + plantedSecret + "\r\nset AWS_SECURITY_TOKEN=" + plantedToken,
		document(secretForms["slashes escaped"]),
		strconv.Quote(document(secretForms["plain"])),
		`{"level":"debug","msg":` + strconv.Quote(document(secretForms["gson"])) + `}`,
	}
	for _, text := range labelled {
		w := &excerptWriter{n: StderrExcerpt}
		w.Write([]byte(text))
		for _, stdout := range []string{"", "not json"} {
			got := w.excerpt([]byte(stdout))
			for _, s := range []string{plantedSecret, plantedToken} {
				if piece := leaks(got, s, s); piece != "" {
					t.Errorf("excerpt of %q with stdout %q shows %q: %s", text, stdout, piece, got)
				}
			}
		}
	}
}

// TestExcerptScrubsLabels writes secrets under the labels the tools a
// producer shells out to print them with (curl -v, aws --debug, STS's XML,
// a presigned URL), with nothing on stdout: each value is replaced, and
// the label and what follows the value stay.
func TestExcerptScrubsLabels(t *testing.T) {
	tests := []struct {
		name, stderr, want string
	}{
		{"curl -v header", "> X-Amz-Security-Token: " + plantedToken + "\r\n> Accept: */*",
			"> X-Amz-Security-Token: [redacted]\n> Accept: */*"},
		{"curl -v over HTTP/2, lower case", "> x-amz-security-token: " + plantedToken,
			"> x-amz-security-token: [redacted]"},
		{"curl -v over HTTP/2, stream line", "* [HTTP/2] [1] [x-amz-security-token: " + plantedToken + "]",
			"* [HTTP/2] [1] [x-amz-security-token: [redacted]]"},
		{"botocore header dict, bytes", "{'X-Amz-Security-Token': b'" + plantedToken + "', 'X-Amz-Date': b'20301126T120000Z'}",
			"{'X-Amz-Security-Token': b'[redacted]', 'X-Amz-Date': b'20301126T120000Z'}"},
		{"botocore header dict, strings", "{'X-Amz-Security-Token': '" + plantedToken + "'}",
			"{'X-Amz-Security-Token': '[redacted]'}"},
		{"canonical request", "x-amz-date:20301126T120000Z\nx-amz-security-token:" + plantedToken + "\n\nhost;x-amz-date;x-amz-security-token",
			"x-amz-date:20301126T120000Z\nx-amz-security-token:[redacted]\n\nhost;x-amz-date;x-amz-security-token"},
		{"STS XML", "<SecretAccessKey>" + plantedSecret + "</SecretAccessKey><SessionToken>" + plantedToken + "</SessionToken>",
			"<SecretAccessKey>[redacted]</SecretAccessKey><SessionToken>[redacted]</SessionToken>"},
		{"STS XML, indented", "<SessionToken>\n  " + plantedToken + "\n</SessionToken>",
			"<SessionToken>\n  [redacted]\n</SessionToken>"},
		{"presigned URL", "?X-Amz-Date=20301126T120000Z&X-Amz-Security-Token=" + url.QueryEscape(plantedToken) + "&X-Amz-Signature=0123abcd",
			"?X-Amz-Date=20301126T120000Z&X-Amz-Security-Token=[redacted]&X-Amz-Signature=0123abcd"},
		{"presigned URL, lower case", "?x-amz-security-token=" + url.QueryEscape(plantedToken),
			"?x-amz-security-token=[redacted]"},
		{"presigned URL inside a URL", "?Destination=" + url.QueryEscape("https://sts.amazonaws.com/?X-Amz-Security-Token="+url.QueryEscape(plantedToken)),
			"?Destination=https%3A%2F%2Fsts.amazonaws.com%2F%3FX-Amz-Security-Token%3D[redacted]"},
		{"Go http.Header", "map[X-Amz-Security-Token:[" + plantedToken + "]]", "map[X-Amz-Security-Token:[[redacted]]]"},
		{"signed headers name the label only", "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=0123abcd",
			"SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=0123abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &excerptWriter{n: StderrExcerpt}
			w.Write([]byte(tt.stderr))
			if diff := cmp.Diff(tt.want, w.excerpt(nil)); diff != "" {
				t.Errorf("excerpt mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, l := range proctest.LabelledSecrets(plantedSecret, plantedToken) {
		t.Run("as printed by "+l.Name, func(t *testing.T) {
			w := &excerptWriter{n: StderrExcerpt}
			w.Write([]byte(l.Text))
			for _, stdout := range []string{"", "not json", document(secretForms["plain"])} {
				got := w.excerpt([]byte(stdout))
				for _, s := range []string{plantedSecret, plantedToken} {
					if piece := leaks(got, s, url.QueryEscape(s)); piece != "" {
						t.Errorf("stdout %q: excerpt shows %q: %s", stdout, piece, got)
					}
				}
				if !strings.Contains(got, redactedMark) {
					t.Errorf("stdout %q: excerpt = %q; want %s in it", stdout, got, redactedMark)
				}
			}
		})
	}
}

// TestExcerptScrubsLabelsAcrossCuts writes each labelled form with each
// cut of the excerpt at every offset from just before the label to just
// after a secret's value, with nothing on stdout, and checks that no piece
// of a secret is shown.
func TestExcerptScrubsLabelsAcrossCuts(t *testing.T) {
	const n = StderrExcerpt
	written := []string{plantedSecret, plantedToken, url.QueryEscape(plantedToken), url.QueryEscape(url.QueryEscape(plantedToken))}
	for _, l := range proctest.LabelledSecrets(plantedSecret, plantedToken) {
		// The offsets in l.Text at which a cut falls in a label or a value.
		var offsets []int
		for _, w := range written {
			for i := 0; ; {
				j := strings.Index(l.Text[i:], w)
				if j < 0 {
					break
				}
				for k := max(0, i+j-40); k <= min(len(l.Text), i+j+len(w)+2); k++ {
					offsets = append(offsets, k)
				}
				i += j + len(w)
			}
		}
		if len(offsets) == 0 {
			t.Fatalf("%s holds no secret", l.Name)
		}
		for _, total := range []int{2*n + len(l.Text) + 64, 2*(n+scrubOverlap) + 5000} {
			for _, cut := range []int{n, total - n} {
				for _, k := range offsets {
					at := cut - k
					stream := strings.Repeat(".", at) + l.Text + strings.Repeat(".", total-at-len(l.Text))
					w := &excerptWriter{n: n}
					for chunk := range slicesChunk(stream, 1000) {
						w.Write([]byte(chunk))
					}
					got := w.excerpt(nil)
					for _, s := range []string{plantedSecret, plantedToken} {
						if piece := leaks(got, s, url.QueryEscape(s)); piece != "" {
							t.Fatalf("%s, %d bytes, cut at %d of it: excerpt shows %q:\n%s", l.Name, total, k, piece, got)
						}
					}
				}
			}
		}
	}
}

// TestExcerptKeepsWords checks that scrubbing leaves ordinary text alone:
// short values and labels without a value are not secrets.
func TestExcerptKeepsWords(t *testing.T) {
	for _, text := range []string{
		"error: session token: invalid",
		"SessionToken expired at 2030-01-01T00:00:00Z; run aws sso login",
		`{"SecretAccessKey":"abc"}`,
		"no SessionToken: null",
	} {
		w := &excerptWriter{n: StderrExcerpt}
		w.Write([]byte(text))
		if got := w.excerpt([]byte(`{"SecretAccessKey":"abc","SessionToken":null}`)); got != text {
			t.Errorf("excerpt(%q) = %q; want it unchanged", text, got)
		}
	}
}

// TestExcerptCRLF checks that a Windows program's line ends read as line
// ends, not as replaced control characters, while a lone CR is still
// replaced.
func TestExcerptCRLF(t *testing.T) {
	w := &excerptWriter{n: StderrExcerpt}
	w.Write([]byte("Login required: run aws sso login\r\nthen retry\r\n\r\n"))
	if got, want := w.String(), "Login required: run aws sso login\nthen retry"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	w = &excerptWriter{n: StderrExcerpt}
	w.Write([]byte("50%\r100%"))
	if got, want := w.String(), "50%\uFFFD100%"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}

// TestExcerptPrintable checks that the excerpt, which reaches error
// messages and terminals, holds no control, bidi or other format character
// that could move the cursor, reorder or hide text, or start a line:
// each is replaced by U+FFFD, and only LF and tab are kept.
func TestExcerptPrintable(t *testing.T) {
	tests := []struct {
		name, stderr, want string
	}{
		{"escape sequence", "error\x1b[8m hidden\x1b[0m", "error\uFFFD[8m hidden\uFFFD[0m"},
		{"right-to-left override", "file \u202Eexe.txt", "file \uFFFDexe.txt"},
		{"bidi embeddings and isolates", "\u202Aa\u202Bb\u202Cc\u202Dd\u2066e\u2067f\u2068g\u2069h", "\uFFFDa\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh"},
		{"marks and zero-width characters", "a\u200Eb\u200Fc\u061Cd\u200Be\u2060f\uFEFFg", "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg"},
		{"line and paragraph separators", "one\u2028two\u2029three", "one\uFFFDtwo\uFFFDthree"},
		{"NEL and other C1 controls", "one\u0085two\u009Bthree", "one\uFFFDtwo\uFFFDthree"},
		{"lone CR and DEL", "50%\r100%\x7f", "50%\uFFFD100%\uFFFD"},
		{"tag characters", "flag\U000E0067\U000E0062", "flag\uFFFD\uFFFD"},
		{"LF, tab and text kept", "line one\n\tline two: é, 日本, 😀", "line one\n\tline two: é, 日本, 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &excerptWriter{n: StderrExcerpt}
			w.Write([]byte(tt.stderr))
			if diff := cmp.Diff(tt.want, w.String()); diff != "" {
				t.Errorf("excerpt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunScrubsAcrossCut is the producer that found the leak: it writes
// 2040 bytes to stderr, then its document to both streams, then padding to
// 4097 bytes, and exits 1. Other offsets put the secret across the tail's
// cut, and one writes CRLF line ends.
func TestRunScrubsAcrossCut(t *testing.T) {
	doc := document(secretForms["plain"])
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
					if piece := leaks(s, secret, secret); piece != "" {
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
	doc := document(secretForms["plain"])
	os.Stdout.WriteString(doc)
	os.Stderr.WriteString(strings.Repeat(".", at) + doc + strings.Repeat(".", max(0, total-at-len(doc))))
	os.Exit(1)
}
