package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// TestCheckLabelledSecrets runs producers that print their secrets to
// stderr under the labels of the tools they shell out to, with and without
// credentials on stdout: neither report format may show any piece of a
// secret, and the report shows where one was.
func TestCheckLabelledSecrets(t *testing.T) {
	doc := fmt.Sprintf(`{"Version":1,"AccessKeyId":"ASIAPRODUCERKEY12345","SecretAccessKey":%q,"SessionToken":%q}`+"\n",
		plantedSecret, plantedToken)
	for _, l := range proctest.LabelledSecrets(plantedSecret, plantedToken) {
		for _, status := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s, exit %d", l.Name, status), func(t *testing.T) {
				// With 0 the producer prints credentials on stdout, with 1
				// nothing.
				stdout := doc
				if status != 0 {
					stdout = ""
				}
				exe := printing(t, stdout, l.Text, status)
				for _, format := range [][]string{nil, {"--json"}} {
					stdout, stderr, code := cli(t, append(append([]string{"check"}, format...), "--", exe)...)
					if want := map[int]int{0: exitOK, 1: exitFail}[status]; code != want {
						t.Errorf("check %s: status %d; want %d:\n%s%s", format, code, want, stdout, stderr)
					}
					if piece := secretPiece(stdout + stderr); piece != "" {
						t.Errorf("check %s printed %q:\n%s%s", format, piece, stdout, stderr)
					}
					if !strings.Contains(stdout, "[redacted]") {
						t.Errorf("check %s: no [redacted] in the report:\n%s", format, stdout)
					}
				}
			})
		}
	}
}

// TestCheckStderrSecrets runs producers that echo their secrets to stderr
// across the excerpt's cuts, escaped on stdout, as env lines, and with a
// secret in an assignment before the program (a set command before it,
// for cmd.exe): neither report format may show any piece of a secret.
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
	assign := "BROKER_TOKEN=" + plantedToken + " CREDS_URL='https://broker?token=" + plantedSecret + "' " + quoted(p) + " echo-env"
	if runtime.GOOS == "windows" {
		assign = `set "BROKER_TOKEN=` + plantedToken + `" & set "CREDS_URL=https://broker?token=` + plantedSecret + `" & ` + quoted(p) + " echo-env"
	}
	runs = append(runs,
		[]string{"--", p, "echo-escaped"},
		[]string{"--", p, "echo-env"},
		[]string{"--shell", assign},
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

// secretPiece returns a piece of ten bytes of the secret key or session
// token that s holds, or "": a secret cut short is leaked all the same.
func secretPiece(s string) string {
	return proctest.SecretPiece(s, 10, plantedSecret, plantedToken)
}

// TestCheckChainSecrets: the chain, the STS calls of --assume and their
// failures show no secret of the command, of the sets STS minted or of
// the files, nor the command's arguments, in either format.
func TestCheckChainSecrets(t *testing.T) {
	tests := []struct {
		name     string
		profiles []string
		prepare  func(*awstest.Server)
	}{
		{name: "working chains", profiles: []string{"app", "broker", "own", "generated", "mfa", "noregion", "keys", "keyed", "fromenv", "sso", "bare"}},
		{name: "command's set expired", profiles: []string{"app", "broker"}, prepare: func(s *awstest.Server) { s.Expire(helperKey) }},
		{name: "command's set denied", profiles: []string{"app"}, prepare: func(s *awstest.Server) { s.Deny(helperKey) }},
		{name: "command's set unknown", profiles: []string{"app"}, prepare: func(s *awstest.Server) { s.Revoke(helperKey) }},
		{name: "second hop refused", profiles: []string{"badrole"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := chainSetup(t, true)
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			for _, profile := range tt.profiles {
				for _, flags := range [][]string{nil, {"--assume"}, {"--json"}, {"--json", "--assume"}} {
					args := append(append([]string{"check"}, flags...), "--profile", profile)
					stdout, stderr, _ := cli(t, args...)
					out := stdout + stderr
					if piece := secretPiece(out); piece != "" {
						t.Errorf("credprocess %q printed %q:\n%s", args[1:], piece, out)
					}
					for _, v := range []string{"role-secret-", "role-token-", plantedArg} {
						if strings.Contains(out, v) {
							t.Errorf("credprocess %q printed %q:\n%s", args[1:], v, out)
						}
					}
				}
			}
			// Every STS call was made with a secret to keep.
			if srv.Count() == 0 {
				t.Error("no STS call made: the sweep covers nothing of --assume")
			}
		})
	}
}
