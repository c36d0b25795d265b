package scrub

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// utf8BOM may lead stdout, as some Windows tools write it.
var utf8BOM = []byte("\xef\xbb\xbf")

// redactedMark replaces every secret found in a stderr excerpt.
const redactedMark = "[redacted]"

// minSecret is the shortest value taken for a secret: shorter ones would
// redact ordinary words and hide nothing worth hiding.
const minSecret = 4

// secretMember finds the members of the secret keys in stdout, in any
// object, even in a document cut short, so that a producer that also
// echoes its output to stderr (a debug mode, a wrapper script with set -x)
// cannot leak them through an error. The value is a string as printed,
// escapes included, or a bare scalar.
var secretMember = regexp.MustCompile(`(?i)"(?:SecretAccessKey|SessionToken)"\s*:\s*(?:"((?:[^"\\]|\\.)*)|([^\s,}\]"]+))`)

// secretAssignment finds a secret that stderr itself labels, whatever
// stdout holds, in any case and with _, - or nothing between the label's
// words:
//   - env and ini lines: export AWS_SECRET_ACCESS_KEY=..., aws_session_token = ...;
//   - JSON members, escaped one level or not, and Python dicts, whose values
//     may be bytes (aws --debug prints 'X-Amz-Security-Token': b'...');
//   - HTTP headers as curl -v prints them (X-Amz-Security-Token: ..., or
//     x-amz-security-token: over HTTP/2), in a canonical request, and in a
//     Go http.Header (X-Amz-Security-Token:[...]);
//   - query strings (X-Amz-Security-Token=..., as in a presigned URL, or
//     %3D in a URL inside another);
//   - XML elements, as STS answers (<SessionToken>...</SessionToken>).
//
// The value is taken up to a delimiter, JSON and percent escapes included;
// values under 8 characters are not secrets but words ("session token:
// invalid"). It is tried only where a label starts (see labels):
// unanchored, the regular expression costs a millisecond per excerpt.
var secretAssignment = regexp.MustCompile(`^(?i)(?:secret[-_]?access[-_]?key|session[-_]?token|security[-_]?token)` +
	`(?:\\*["']?\s*(?:[:=]|%3d)\s*\[?(?:b["']|\\*["']?)|>\s*)` +
	`((?:\\u[0-9a-f]{4}|\\[\\/bfnrt]|[^\s"'\\,;&}<\]]){8,})`)

// labels are how secretAssignment's labels start, in lower case.
var labels = [][]byte{[]byte("secret"), []byte("session"), []byte("security")}

// labelledSpans returns the values secretAssignment finds in buf.
func labelledSpans(buf []byte) []span {
	lower := make([]byte, len(buf)) // ASCII only, so that offsets stay put
	for i, c := range buf {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	var spans []span
	for _, l := range labels {
		for i := 0; ; {
			j := bytes.Index(lower[i:], l)
			if j < 0 {
				break
			}
			i += j
			if m := secretAssignment.FindSubmatchIndex(buf[i:]); m != nil {
				spans = append(spans, span{i + m[2], i + m[3]})
			}
			i++
		}
	}
	return spans
}

// secretsIn returns the secret values stdout holds, both as printed and
// decoded: a producer may echo either to stderr.
func secretsIn(stdout []byte) [][]byte {
	var secrets [][]byte
	add := func(v []byte) {
		if literal := string(v); literal == "null" || literal == "true" || literal == "false" {
			return // a JSON literal, not a value to hide in prose
		}
		if len(v) >= minSecret && !slices.ContainsFunc(secrets, func(s []byte) bool { return bytes.Equal(s, v) }) {
			secrets = append(secrets, v)
		}
	}
	for _, m := range secretMember.FindAllSubmatch(stdout, -1) {
		raw := m[1]
		if raw == nil {
			raw = m[2]
		}
		add(raw)
		add(jsonView(raw).text)
	}
	// Keys spelled with escapes ("Secret\u0041ccessKey") decode to the
	// names the parser reads but escape the pattern above.
	var doc map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimPrefix(stdout, utf8BOM), &doc) == nil {
		for k, raw := range doc {
			if !strings.EqualFold(k, "SecretAccessKey") && !strings.EqualFold(k, "SessionToken") {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				add([]byte(s))
			} else {
				add(bytes.TrimSpace(raw))
			}
		}
	}
	return secrets
}

// span is a byte range [start, end) to redact.
type span struct{ start, end int }

// secretSpans returns where buf holds a secret: a labelled one, or one of
// secrets as written or in any JSON-escaped form (\/, \u003d, upper or
// lower hex, escaped once or twice) or percent-encoded. cutBefore and
// cutAfter say that buf was cut from a longer stream at its start or end:
// a secret that runs across such an edge is redacted up to it.
func secretSpans(buf []byte, secrets [][]byte, cutBefore, cutAfter bool) []span {
	spans := labelledSpans(buf)
	if len(secrets) == 0 {
		return spans
	}
	views := []view{identity(buf)}
	if bytes.IndexByte(buf, '\\') >= 0 {
		json1 := jsonView(buf)
		views = append(views, json1, json1.then(jsonView(json1.text)))
	}
	if bytes.IndexByte(buf, '%') >= 0 {
		views = append(views, percentView(buf))
	}
	for _, v := range views {
		for _, s := range secrets {
			for i := 0; ; {
				j := bytes.Index(v.text[i:], s)
				if j < 0 {
					break
				}
				spans = append(spans, v.source(i+j, i+j+len(s)))
				i += j + 1
			}
		}
	}
	for _, s := range secrets {
		// Past scrubOverlap, a secret cut by the edge reaches the part of
		// buf that is shown; a shorter piece stays in the part cut off.
		for k := len(s) - 1; k > scrubOverlap; k-- {
			if cutAfter && bytes.HasSuffix(buf, s[:k]) {
				spans = append(spans, span{len(buf) - k, len(buf)})
				break
			}
		}
		for k := len(s) - 1; k > scrubOverlap; k-- {
			if cutBefore && bytes.HasPrefix(buf, s[len(s)-k:]) {
				spans = append(spans, span{0, k})
				break
			}
		}
	}
	return spans
}

// redact returns buf[lo:hi] with every span, clipped to it, replaced by
// redactedMark; overlapping and adjacent spans make one mark.
func redact(buf []byte, spans []span, lo, hi int) []byte {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	out := make([]byte, 0, hi-lo)
	pos, marked := lo, false // marked: out ends with the mark for buf[:pos]
	for _, s := range spans {
		start, end := max(s.start, pos), min(s.end, hi)
		if start >= end {
			continue
		}
		if start > pos || !marked {
			out = append(out, buf[pos:start]...)
			out = append(out, redactedMark...)
		}
		pos, marked = end, true
	}
	return append(out, buf[pos:hi]...)
}
