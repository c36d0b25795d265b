package scrub

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// excerptSize is the size a run's excerpt shows from each end.
const excerptSize = 2 << 10

const (
	plantedSecret = "pLaNtEdSeCrEtKeY/0123456789abcdefghijklmn"
	plantedToken  = "pLaNtEdSeSsIoNtOkEn+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
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
	if piece := proctest.SecretPiece(text, 6, s); piece != "" {
		return piece
	}
	return proctest.SecretPiece(text, 12, written)
}

// TestExcerptScrubsAcrossCuts writes a secret at every offset around each
// cut of the excerpt, the head's end and the tail's start, in streams that
// are cut in the shown text only and in streams long enough to drop bytes,
// and checks that no piece of it is shown. With -short it tries every
// seventh offset.
func TestExcerptScrubsAcrossCuts(t *testing.T) {
	const n = excerptSize
	step := 1
	if testing.Short() {
		step = 7
	}
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
					for at := cut - len(written) - 1; at <= cut+1; at += step {
						stream := strings.Repeat(".", at) + written + strings.Repeat(".", total-at-len(written))
						w := NewExcerpt(n)
						for chunk := range slicesChunk(stream, 1000) {
							w.Write([]byte(chunk))
						}
						got := w.Scrubbed(stdout)
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
				w := NewExcerpt(excerptSize)
				fmt.Fprintf(w, "debug: key %s token %s\n", errForm(plantedSecret), errForm(plantedToken))
				got := w.Scrubbed([]byte(document(outForm)))
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
		w := NewExcerpt(excerptSize)
		w.Write([]byte(text))
		for _, stdout := range []string{"", "not json"} {
			got := w.Scrubbed([]byte(stdout))
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
			w := NewExcerpt(excerptSize)
			w.Write([]byte(tt.stderr))
			if diff := cmp.Diff(tt.want, w.Scrubbed(nil)); diff != "" {
				t.Errorf("excerpt mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, l := range proctest.LabelledSecrets(plantedSecret, plantedToken) {
		t.Run("as printed by "+l.Name, func(t *testing.T) {
			w := NewExcerpt(excerptSize)
			w.Write([]byte(l.Text))
			for _, stdout := range []string{"", "not json", document(secretForms["plain"])} {
				got := w.Scrubbed([]byte(stdout))
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
// of a secret is shown. With -short it tries every seventh offset.
func TestExcerptScrubsLabelsAcrossCuts(t *testing.T) {
	const n = excerptSize
	step := 1
	if testing.Short() {
		step = 7
	}
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
				for k := max(0, i+j-40); k <= min(len(l.Text), i+j+len(w)+2); k += step {
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
					w := NewExcerpt(n)
					for chunk := range slicesChunk(stream, 1000) {
						w.Write([]byte(chunk))
					}
					got := w.Scrubbed(nil)
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
		w := NewExcerpt(excerptSize)
		w.Write([]byte(text))
		if got := w.Scrubbed([]byte(`{"SecretAccessKey":"abc","SessionToken":null}`)); got != text {
			t.Errorf("excerpt(%q) = %q; want it unchanged", text, got)
		}
	}
}

// TestExcerptCRLF checks that a Windows program's line ends read as line
// ends, not as replaced control characters, while a lone CR is still
// replaced.
func TestExcerptCRLF(t *testing.T) {
	w := NewExcerpt(excerptSize)
	w.Write([]byte("Login required: run aws sso login\r\nthen retry\r\n\r\n"))
	if got, want := w.String(), "Login required: run aws sso login\nthen retry"; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
	w = NewExcerpt(excerptSize)
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
			w := NewExcerpt(excerptSize)
			w.Write([]byte(tt.stderr))
			if diff := cmp.Diff(tt.want, w.String()); diff != "" {
				t.Errorf("excerpt mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExcerptWriter(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"short", []string{"abc"}, "abc"},
		{"fits in prefix and suffix", []string{"0123", "4567"}, "01234567"},
		{"elides the middle", []string{"0123", "45", "6789", "abcd"}, "0123\n... [6 bytes elided] ...\nabcd"},
		{"one large write", []string{"0123456789abcdef"}, "0123\n... [8 bytes elided] ...\ncdef"},
		{"control characters replaced", []string{"a\x1b[31mb"}, "a\uFFFD[31mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewExcerpt(4)
			for _, s := range tt.writes {
				w.Write([]byte(s))
			}
			if got := w.String(); got != tt.want {
				t.Errorf("String() = %q; want %q", got, tt.want)
			}
		})
	}
}

// FuzzExcerptLabels writes the planted secret key and session token under
// each label of [proctest.LabelledSecrets] (curl -v, aws --debug, STS's
// XML, presigned URLs), between fuzzed text, and scrubs the stream with
// nothing on stdout. The excerpt must not depend on the secrets: the same
// stream with other secrets of the same shape must give the same excerpt,
// so no part of them is shown, however the text around them reads and
// wherever the cuts fall.
//
// Seeds: the f.Add calls below.
func FuzzExcerptLabels(f *testing.F) {
	forms := proctest.LabelledSecrets(plantedSecret, plantedToken)
	others := proctest.LabelledSecrets(rot(plantedSecret), rot(plantedToken))
	for i := range forms {
		f.Add("", "", uint8(i))
		f.Add("debug: ", "\n", uint8(i))
	}
	f.Add(strings.Repeat(".", excerptSize-40), strings.Repeat(".", excerptSize), uint8(0))
	f.Add("\\", "SessionToken=", uint8(3))
	f.Fuzz(func(t *testing.T, before, after string, form uint8) {
		i := int(form) % len(forms)
		excerpt := func(text string) string {
			w := NewExcerpt(excerptSize)
			w.Write([]byte(before + text + after))
			return w.Scrubbed(nil)
		}
		if got, other := excerpt(forms[i].Text), excerpt(others[i].Text); got != other {
			t.Fatalf("%s: the excerpt depends on the secrets:\n%s\nwith other secrets:\n%s", forms[i].Name, got, other)
		}
	})
}

// rot returns s with its letters rotated by 13 and its digits by 5: a
// secret of the same shape, character class for character class.
func rot(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case 'A' <= r && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		case '0' <= r && r <= '9':
			return '0' + (r-'0'+5)%10
		}
		return r
	}, s)
}
