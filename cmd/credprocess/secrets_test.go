package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestCheckStderrSecrets runs producers that echo their secrets to stderr
// across the excerpt's cuts, escaped on stdout, as env lines, and with a
// secret in an assignment before the program: neither report format may
// show any piece of a secret.
func TestCheckStderrSecrets(t *testing.T) {
	p := producer(t)
	const (
		n     = 2 << 10 // the excerpt's head and tail
		total = 3 * n
		head  = len("debug: ")
	)
	key, token := head, head+len(plantedSecret)+1 // offsets in the echoed line
	var runs [][]string
	for _, status := range []string{"0", "1"} {
		for _, at := range []int{2040, n - key - 20, n - token - 20, total - n - key - 20, total - n - token - 20} {
			end := strconv.Itoa(total)
			if at == 2040 {
				end = "4097" // the producer that found the leak
			}
			runs = append(runs, []string{"--", p, "echo-at", strconv.Itoa(at), end, status})
		}
	}
	runs = append(runs,
		[]string{"--", p, "echo-escaped"},
		[]string{"--", p, "echo-env"},
		[]string{"--shell", "BROKER_TOKEN=" + plantedToken + " CREDS_URL='https://broker?token=" + plantedSecret + "' '" + p + "' echo-env"},
	)
	for _, args := range runs {
		for _, format := range [][]string{nil, {"--json"}} {
			stdout, stderr, _ := cli(t, append(append([]string{"check"}, format...), args...)...)
			if piece := secretPiece(stdout + stderr); piece != "" {
				t.Errorf("credprocess check %s %q printed %q:\n%s%s", format, args[1:], piece, stdout, stderr)
			}
			if !strings.Contains(stdout, "[redacted]") {
				t.Errorf("credprocess check %s %q: no [redacted] in the report:\n%s", format, args[1:], stdout)
			}
		}
	}
}

// secretPiece returns the first ten bytes of the secret key or session
// token that s holds, or "": a secret cut short is leaked all the same.
func secretPiece(s string) string {
	for _, secret := range []string{plantedSecret, plantedToken} {
		for i := 0; i+10 <= len(secret); i++ {
			if strings.Contains(s, secret[i:i+10]) {
				return fmt.Sprint(secret[i : i+10])
			}
		}
	}
	return ""
}
