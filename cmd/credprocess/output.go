package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// writeJSON prints r as one indented JSON object.
func writeJSON(w io.Writer, r *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeText prints r for a person: the command, the checks, the
// credentials, stderr, and a verdict on the last line.
func writeText(w io.Writer, r *report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(indent, label, value string) { fmt.Fprintf(tw, "%s%s\t%s\n", indent, label, value) }

	switch {
	case r.Command != "":
		row("", "Program", r.Program+" ("+describeSource(r)+")")
		row("", "Command", r.Command)
	case r.Program != "":
		row("", "Program", r.Program+" ("+describeSource(r)+"; arguments not shown)")
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

	fmt.Fprintln(tw, "Checks")
	var failed *check
	for i, c := range r.Checks {
		line := c.Name
		if c.Status == statusFail {
			failed = &r.Checks[i]
		}
		if c.Status == statusFail && c.Field != "" && !strings.HasPrefix(c.Name, c.Field+" ") {
			line += ": " + c.Field
		}
		if c.Detail != "" {
			line += ": " + c.Detail
		}
		row("  ", statusLabel(c.Status), line)
	}

	if r.AccessKeyID != "" {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "Credentials")
		row("  ", "Access key id", r.AccessKeyID)
		row("  ", "Session token", map[bool]string{true: "present", false: "absent"}[r.SessionToken])
		if r.AccountID != "" {
			row("  ", "Account id", r.AccountID)
		}
		if r.Expiration == "" {
			row("  ", "Expires", "never (no Expiration)")
		} else {
			row("  ", "Expires (UTC)", r.Expiration)
			row("  ", "Expires (local)", r.ExpirationLocal)
			ttl := seconds(float64(r.TTLSeconds))
			if ttl > 0 {
				row("  ", "Time to live", ttl.String())
			} else {
				row("  ", "Time to live", "none: expired "+(-ttl).String()+" ago")
			}
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
			fmt.Fprintln(w, "  | "+line)
		}
	}

	fmt.Fprintln(w)
	var err error
	switch {
	case r.OK:
		_, err = fmt.Fprintln(w, "OK: valid, unexpired credentials")
	case failed != nil && failed.Field != "":
		_, err = fmt.Fprintf(w, "FAIL: %s: %s\n", failed.Field, failed.Detail)
	case failed != nil:
		_, err = fmt.Fprintf(w, "FAIL: %s\n", failed.Detail)
	default:
		_, err = fmt.Fprintln(w, "FAIL")
	}
	return err
}

func describeSource(r *report) string {
	switch r.Source {
	case kindProfile:
		return fmt.Sprintf("credential_process of profile %q, run by the shell", r.Profile)
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

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
