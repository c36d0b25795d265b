package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/seed-dcc28122/credprocess/internal/scrub"
)

// writeJSON prints r as one indented JSON object. Every value decodes to
// exactly what check found; in the encoding, every character that could
// act on a terminal ([scrub.Unprintable]) is escaped as \uXXXX, where
// encoding/json escapes only the C0 controls, U+2028 and U+2029.
func writeJSON(w io.Writer, r *report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(escapeUnprintable(buf.Bytes()))
	return err
}

// escapeUnprintable escapes as \uXXXX (a surrogate pair past U+FFFF) every
// character of encoded JSON that [scrub.Unprintable] reports and the
// encoder left alone: DEL, the C1 controls and the format characters. Such
// a character can only be inside a string, since JSON is ASCII outside
// them; the encoder's own newlines and indentation are left as they are.
func escapeUnprintable(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r < utf8.RuneSelf || !scrub.Unprintable(r) {
			out = append(out, b[i:i+n]...)
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += n
	}
	return out
}

// writeText prints r for a person: the command, the checks, the
// credentials, stderr, and a verdict on the last line. Text that the
// producer or its configuration wrote is shown escaped where it could act
// on a terminal (see shown), so that it cannot forge or hide a line.
func writeText(w io.Writer, r *report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(indent, label, value string) { fmt.Fprintf(tw, "%s%s\t%s\n", indent, label, value) }

	switch {
	case r.Command != "":
		row("", "Program", shown(r.Program)+" ("+describeSource(r)+")")
		row("", "Command", shown(r.Command))
	case r.Program != "":
		row("", "Program", shown(r.Program)+" ("+describeSource(r)+"; arguments not shown)")
	default:
		row("", "Profile", fmt.Sprintf("%q", r.Profile))
	}
	if r.NeverStarted {
		row("", "Exit code", "none: it never started")
	} else if ran := r.ExitCode >= 0 || r.RunTimeSeconds > 0; ran {
		exit := "none: it did not exit on its own"
		if r.ExitCode >= 0 {
			exit = fmt.Sprint(r.ExitCode)
		}
		row("", "Exit code", exit)
		row("", "Run time", seconds(r.RunTimeSeconds).Round(time.Millisecond).String())
	}
	fmt.Fprintln(tw)

	if showChain(r) {
		writeChain(tw, r)
		fmt.Fprintln(tw)
	}

	fmt.Fprintln(tw, "Checks")
	var failed *check
	for i, c := range r.Checks {
		line := c.Name
		if c.Status == statusFail {
			failed = &r.Checks[i]
		}
		if c.Status == statusFail && c.Field != "" && !strings.HasPrefix(c.Name, c.Field+" ") {
			line += ": " + shown(c.Field)
		}
		if c.Detail != "" {
			line += ": " + shown(c.Detail)
		}
		row("  ", statusLabel(c.Status), line)
	}

	if r.AccessKeyID != "" {
		fmt.Fprintln(tw)
		if showChain(r) {
			fmt.Fprintf(tw, "Credentials from the command, for profile %q\n", shown(r.Chain[len(r.Chain)-1].Profile))
		} else {
			fmt.Fprintln(tw, "Credentials")
		}
		row("  ", "Access key id", shown(r.AccessKeyID))
		row("  ", "Session token", map[bool]string{true: "present", false: "absent"}[r.SessionToken])
		if r.AccountID != "" {
			row("  ", "Account id", shown(r.AccountID))
		}
		if r.Expiration == "" {
			row("  ", "Expires", "never (no Expiration)")
		} else {
			row("  ", "Expires (UTC)", r.Expiration)
			row("  ", "Expires (local)", r.ExpirationLocal)
			row("  ", "Time to live", timeToLive(r))
		}
	}
	if r.Identity != "" || r.STSEndpoint != "" {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "STS")
		if r.Identity != "" {
			row("  ", "Identity", shown(r.Identity))
		}
		if r.STSEndpoint != "" {
			row("  ", "Endpoint", shown(r.STSEndpoint))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// stderr is written by the command: set apart line by line so that it
	// cannot pass for part of the report.
	if r.Stderr != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Stderr (excerpt)")
		for line := range strings.SplitSeq(r.Stderr, "\n") {
			fmt.Fprintln(w, "  | "+shown(line, '\t'))
		}
	}

	fmt.Fprintln(w)
	var err error
	switch {
	case r.OK && r.Identity != "":
		_, err = fmt.Fprintf(w, "OK: valid, unexpired credentials; profile %q signs as %s\n", shown(r.Profile), shown(r.Identity))
	case r.OK:
		_, err = fmt.Fprintln(w, "OK: valid, unexpired credentials")
	case failed != nil && failed.Profile != "":
		_, err = fmt.Fprintf(w, "FAIL: %s: %s\n", shown(failed.Name), shown(failed.Detail))
	case failed != nil && failed.Field != "":
		_, err = fmt.Fprintf(w, "FAIL: %s: %s\n", shown(failed.Field), shown(failed.Detail))
	case failed != nil:
		_, err = fmt.Fprintf(w, "FAIL: %s\n", shown(failed.Detail))
	default:
		_, err = fmt.Fprintln(w, "FAIL")
	}
	return err
}

// shown returns s, text that the producer or its configuration wrote,
// fit for a terminal: every character that could move the cursor, start a
// line or reorder text ([scrub.Unprintable]), other than those in keep,
// and every byte of invalid UTF-8, is written as a Go escape (\n, \x1b,
// \u202e), so that it shows instead of acting.
func shown(s string, keep ...rune) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case scrub.Unprintable(r) && !slices.Contains(keep, r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func describeSource(r *report) string {
	switch r.Source {
	case kindProfile:
		profile := r.Profile
		if len(r.Chain) > 0 {
			profile = r.Chain[len(r.Chain)-1].Profile
		}
		return fmt.Sprintf("credential_process of profile %q, run by the shell", profile)
	case kindShell:
		return "run by the shell"
	default:
		return "run directly"
	}
}

func statusLabel(s string) string {
	switch s {
	case statusPass:
		return "ok"
	case statusFail:
		return "FAIL"
	default:
		return "-"
	}
}

// timeToLive says how long r's credentials have left, or when they
// expired and how long ago, in calendar units past a day.
func timeToLive(r *report) string {
	ttl := seconds(float64(r.TTLSeconds))
	expires, err := time.Parse(time.RFC3339, r.Expiration)
	switch {
	case err != nil:
		return ttl.String()
	case ttl <= 0:
		return "none: expired at " + r.Expiration + ", " + span(expires, expires.Add(-ttl)) + " ago"
	case ttl < 24*time.Hour:
		return ttl.String()
	default:
		return span(expires.Add(-ttl), expires)
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
