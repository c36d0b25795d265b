package execjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunSuccess(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"argv", self(t, "ok"), `"AccessKeyId":"AKIDEXAMPLE1234"`},
		{"shell pipe and quotes", shell(`printf '%s' '{"a": "b c"}' | tr a z`), `{"z": "b c"}`},
		{"shell stderr kept apart", shell(`echo noise >&2; echo '{}'`), `{}`},
		{"stdin is the null device", self(t, "echo-stdin"), `stdin:""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.cmd)
			if err != nil {
				t.Fatalf("Run() error = %v", err)
			}
			if !strings.Contains(string(res.Stdout), tt.want) {
				t.Errorf("Run() stdout = %q; want it to contain %q", res.Stdout, tt.want)
			}
		})
	}
}

func TestRunOptions(t *testing.T) {
	dir := t.TempDir()
	c := shell(`printf '%s %s' "$CREDPROCESS_TEST_VAR" "$(pwd)"`)
	c.Env = []string{"CREDPROCESS_TEST_VAR=hello"}
	c.Dir = dir
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if want := "hello " + dir; string(res.Stdout) != want {
		t.Errorf("stdout = %q; want %q", res.Stdout, want)
	}

	c = self(t, "echo-stdin")
	c.Stdin = strings.NewReader("123456")
	if res, err = Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if want := `stdin:"123456"`; string(res.Stdout) != want {
		t.Errorf("stdout with Stdin set = %q; want %q", res.Stdout, want)
	}

	var tee bytes.Buffer
	c = shell(`echo "MFA code:" >&2; echo '{}'`)
	c.Stderr = &tee
	if _, err = Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if got := tee.String(); got != "MFA code:\n" {
		t.Errorf("Stderr copy = %q; want %q", got, "MFA code:\n")
	}
}

func TestRunPathsWithSpacesAndBackslashes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `my tools\v2`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "creds helper.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Command{
		shell(fmt.Sprintf(`"%s" 'arg\t1'`, script)),
		{Args: []string{script, `arg\t1`}, Timeout: time.Minute, MaxOutput: 1 << 10},
	} {
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("Run(%q) error = %v", c.Program(), err)
		}
		if want := `arg\t1`; string(res.Stdout) != want {
			t.Errorf("Run(%q) stdout = %q; want %q", c.Program(), res.Stdout, want)
		}
		if c.Program() != script {
			t.Errorf("Program() = %q; want %q", c.Program(), script)
		}
	}
}

func TestRunFailures(t *testing.T) {
	tests := []struct {
		name       string
		cmd        Command
		wantExit   int
		wantStderr string
		wantIs     error
	}{
		{"non-zero exit with stderr", self(t, "fail"), 3, "Login required: run 'sso login' first", nil},
		{"shell command not found", shell("credprocess-no-such-command --flag"), 127, "not found", nil},
		{"argv not found", Command{Args: []string{"credprocess-no-such-command"}, Timeout: time.Minute, MaxOutput: 1}, -1, "", exec.ErrNotFound},
		{"not executable", shell("/dev/null"), 126, "denied", nil},
		{"killed by a signal", shell("kill -9 $$"), -1, "", nil},
		{"output over the limit", self(t, "flood-stdout"), -1, "", ErrOutputTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cmd)
			var pe *RunError
			if !errors.As(err, &pe) {
				t.Fatalf("Run() error = %v (%T); want *RunError", err, err)
			}
			if pe.ExitCode != tt.wantExit {
				t.Errorf("ExitCode = %d; want %d (err: %v)", pe.ExitCode, tt.wantExit, err)
			}
			if !strings.Contains(pe.Stderr, tt.wantStderr) {
				t.Errorf("Stderr = %q; want it to contain %q", pe.Stderr, tt.wantStderr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if pe.Program == "" {
				t.Error("Program is empty; want the program's name")
			}
		})
	}
}

func TestRunOutputLimitMessage(t *testing.T) {
	c := self(t, "flood-stdout")
	c.MaxOutput = 1000
	_, err := Run(context.Background(), c)
	if !errors.Is(err, ErrOutputTooLarge) || !strings.Contains(err.Error(), "exceeded 1000 bytes") {
		t.Errorf("Run() error = %v; want ErrOutputTooLarge saying it exceeded 1000 bytes", err)
	}
}

func TestRunStderrFloodIsBounded(t *testing.T) {
	res, err := Run(context.Background(), self(t, "flood-stderr"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Stderr); n > 2*StderrExcerpt+100 {
		t.Errorf("len(Stderr) = %d; want at most %d", n, 2*StderrExcerpt+100)
	}
	for _, want := range []string{"FIRST LINE", "LAST LINE", "bytes elided"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("Stderr excerpt lacks %q", want)
		}
	}
}

func TestRunScrubsSecretsFromStderr(t *testing.T) {
	_, err := Run(context.Background(), self(t, "fail-with-json"))
	if err == nil {
		t.Fatal("Run() error = nil; want the exit status")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, err); strings.Contains(s, plantedSecret) || strings.Contains(s, plantedToken) {
			t.Errorf("Sprintf(%q, err) holds a planted secret: %s", verb, s)
		}
	}
	if pe, ok := err.(*RunError); !ok || !strings.Contains(pe.Stderr, "[redacted]") {
		t.Errorf("Run() error = %#v; want a stderr excerpt with the echoed secrets replaced by [redacted]", err)
	}
}

func TestRunCallerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, self(t, "hang"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run(cancelled ctx) error = %v; want context.Canceled", err)
	}
}

func TestProgram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("cmd.exe reads these lines otherwise; see TestCmdProgram")
	}
	tests := []struct {
		cmd  Command
		want string
	}{
		{Command{Shell: "aws-vault export --format=json dev"}, "aws-vault"},
		{Command{Shell: `  "/opt/my tools/producer" --role x`}, "/opt/my tools/producer"},
		{Command{Shell: `AWS_PROFILE=dev GRANTED_QUIET=true granted credential-process`}, "granted"},
		{Command{Shell: `BROKER_TOKEN=cGxhbnRlZA==MTIz== broker`}, "broker"},
		{Command{Shell: `CREDS_URL=https://x?token=SECRET broker`}, "broker"},
		{Command{Shell: `exec broker --token SECRET`}, "sh"},
		{Command{Shell: `FOO='a b' granted credential-process`}, "granted"},
		{Command{Shell: `j='{"SecretAccessKey":"x"}'; echo "$j"`}, "sh"},
		{Command{Shell: `sh -c "op item get x | jq ."`}, "sh"},
		{Command{Shell: `echo|cat`}, "sh"},
		{Command{Args: []string{"/usr/bin/producer", "--secret"}}, "/usr/bin/producer"},
	}
	for _, tt := range tests {
		if got := tt.cmd.Program(); got != tt.want {
			t.Errorf("Program(%q) = %q; want %q", tt.cmd.Shell, got, tt.want)
		}
	}
}

// TestRunNamesProgramInError runs a program whose path has parentheses and
// spaces, with a secret in an assignment before it.
func TestRunNamesProgramInError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the command is POSIX shell")
	}
	dir := filepath.Join(t.TempDir(), "Program Files (x86)")
	script := filepath.Join(dir, "creds.sh")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'no session' >&2\nexit 4\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := shell(`BROKER_TOKEN=` + plantedToken + ` "` + script + `" --secret ` + plantedSecret)
	_, err := Run(context.Background(), c)
	var pe *RunError
	if !errors.As(err, &pe) || pe.ExitCode != 4 {
		t.Fatalf("Run() error = %v; want exit status 4", err)
	}
	if pe.Program != script {
		t.Errorf("Program = %q; want the script %q", pe.Program, script)
	}
	if s := err.Error(); strings.Contains(s, plantedToken) || strings.Contains(s, plantedSecret) {
		t.Errorf("Error() holds a planted secret: %s", s)
	}
}
