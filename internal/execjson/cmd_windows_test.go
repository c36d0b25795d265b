//go:build windows

package execjson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRunCmdQuoting runs each line through Run and as typed by hand at a
// cmd.exe prompt (a line of a batch file is parsed the same way), and wants
// the program to see the same arguments both ways, and the ones written.
func TestRunCmdQuoting(t *testing.T) {
	dir := filepath.Join(tempDir(t), "My Tool")
	path, env := installProducer(t, dir, "producer", "args")
	// A batch file, as brokers often install, that hands its arguments on.
	script := filepath.Join(dir, "creds.cmd")
	if err := os.WriteFile(script, []byte("@\"%~dp0producer.exe\" fromScript %*\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env = append(env, "CREDPROCESS_ROLE=Machine")
	tests := []struct {
		name  string
		line  string
		typed string // as typed at the prompt, if not line
		want  []string
	}{
		{"quoted path, arguments", `"` + path + `" --role Machine`, "", []string{"--role", "Machine"}},
		{"docs form", `"` + script + `" parameterWithoutSpaces "parameter with spaces"`, "", []string{"fromScript", "parameterWithoutSpaces", "parameter with spaces"}},
		// credential_process = "C:\...\creds.cmd": the config parser strips
		// the outer quotes, so the line is the bare path; /S would strip the
		// next pair and run C:\Users\...\My.
		{"profile value quoted whole, unquoted by the parser", script, `"` + script + `"`, []string{"fromScript"}},
		{"profile value quoted whole", `"` + script + `"`, "", []string{"fromScript"}},
		{"%VAR% expansion", `"` + path + `" --role %CREDPROCESS_ROLE%`, "", []string{"--role", "Machine"}},
		{"pipe", `"` + path + `" a "b c" | "` + path + `" --cat`, "", []string{"a", "b c"}},
		{"embedded quotes and backslashes", `"` + path + `" "say \"hi\"" C:\a\b\ "C:\dir with space\\" a\\b`, "", []string{`say "hi"`, `C:\a\b\`, `C:\dir with space\`, `a\\b`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), Command{Shell: tt.line, Env: env, Timeout: time.Minute, MaxOutput: 64 << 10})
			if err != nil {
				t.Fatalf("Run(%q) error = %v", tt.line, err)
			}
			got := decodeArgs(t, res.Stdout)

			typed := tt.typed
			if typed == "" {
				typed = tt.line
			}
			batch := filepath.Join(tempDir(t), "typed.cmd")
			if err := os.WriteFile(batch, []byte("@"+typed+"\r\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			byHand := exec.Command(batch)
			byHand.Env = env
			out, err := byHand.Output()
			if err != nil {
				t.Fatalf("%s typed at the prompt: %v; stderr %q", typed, err, stderrOf(err))
			}
			if want := decodeArgs(t, out); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
				t.Errorf("Run: arguments = %q; typed at the prompt: %q", got, want)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("arguments = %q; want %q", got, tt.want)
			}
		})
	}
}

func decodeArgs(t *testing.T, out []byte) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal(out, &args); err != nil {
		t.Fatalf("stdout %q: %v", out, err)
	}
	return args
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}
