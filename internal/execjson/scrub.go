package execjson

import (
	"regexp"
	"strings"
)

// secretValue finds the values of the secret keys in stdout, even in a
// document cut short, so that a producer that also echoes its output to
// stderr (a debug mode, a wrapper script with set -x) cannot leak them
// through an error.
var secretValue = regexp.MustCompile(`(?i)"(?:SecretAccessKey|SessionToken)"\s*:\s*"([^"]+)`)

// Scrub replaces in stderr every secret value that stdout holds.
func Scrub(stderr string, stdout []byte) string {
	if stderr == "" || len(stdout) == 0 {
		return stderr
	}
	for _, m := range secretValue.FindAllSubmatch(stdout, -1) {
		if v := string(m[1]); len(v) >= 4 {
			stderr = strings.ReplaceAll(stderr, v, "[redacted]")
		}
	}
	return stderr
}
