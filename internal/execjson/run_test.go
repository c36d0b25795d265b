package execjson

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests below run each case through a Go producer (this test binary)
// on every system, and add the cases whose point is a shell's own grammar
// as sh lines on Unix and cmd.exe lines on Windows.

func TestRunSuccess(t *testing.T) {
	type success struct {
		name string
		cmd  Command
		want string // in stdout
	}
	tests := []success{
		{"argv", self(t, "ok"), `"AccessKeyId":"AKIDEXAMPLE1234"`},
		{"shell", selfShell(t, "ok"), `"AccessKeyId":"AKIDEXAMPLE1234"`},
		{"shell stderr kept apart", selfShell(t, "prompt", "noise"), `{}`},
		{"stdin is the null device", self(t, "echo-stdin"), `stdin:""`},
	}
	if runtime.GOOS == "windows" {
		pipe := selfShell(t, "cat")
		pipe.Shell = `echo {"a": "b c"}| ` + pipe.Shell
		tests = append(tests,
			success{"cmd.exe pipe and quotes", pipe, `{"a": "b c"}`},
			success{"cmd.exe stderr kept apart", shell(`echo noise>&2& echo {}`), `{}`})
	} else {
		tests = append(tests,
			success{"sh pipe and quotes", shell(`printf '%s' '{"a": "b c"}' | tr a z`), `{"z": "b c"}`},
			success{"sh stderr kept apart", shell(`echo noise >&2; echo '{}'`), `{}`})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.cmd)
			if err != nil {
				t.Fatalf("Run() error = %v", err)
			}
			if !strings.Contains(string(res.Stdout), tt.want) || strings.Contains(string(res.Stdout), "noise") {
				t.Errorf("Run() stdout = %q; want it to contain %q, and no stderr", res.Stdout, tt.want)
			}
		})
	}
}

func TestRunOptions(t *testing.T) {
	dir := tempDir(t)
	// Env replaces the environment, and Dir is the working directory, of
	// the program and of the shell.
	envDir := []Command{self(t, "env-dir"), selfShell(t, "env-dir")}
	for i := range envDir {
		envDir[i].Env = []string{helperEnv + "=env-dir", quickExit}
	}
	wantEnvDir := []string{"hello " + dir, "hello " + dir}
	if runtime.GOOS == "windows" {
		envDir = append(envDir, shell(`echo %CREDPROCESS_TEST_VAR% %CD%`))
		wantEnvDir = append(wantEnvDir, "hello "+dir+"\r\n")
	} else {
		envDir = append(envDir, shell(`printf '%s %s' "$CREDPROCESS_TEST_VAR" "$(pwd)"`))
		wantEnvDir = append(wantEnvDir, "hello "+dir)
	}
	for i, c := range envDir {
		c.Env = append(c.Env, "CREDPROCESS_TEST_VAR=hello")
		c.Dir = dir
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("Run(%s) error = %v", c.Line(), err)
		}
		if want := wantEnvDir[i]; string(res.Stdout) != want {
			t.Errorf("Run(%s) stdout = %q; want %q", c.Line(), res.Stdout, want)
		}
	}

	c := self(t, "echo-stdin")
	c.Stdin = strings.NewReader("123456")
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `stdin:"123456"`; string(res.Stdout) != want {
		t.Errorf("stdout with Stdin set = %q; want %q", res.Stdout, want)
	}

	// Stderr receives stderr as written, line ends and all.
	prompts := []Command{selfShell(t, "prompt", "MFA code:")}
	wantPrompt := []string{"MFA code:\n"}
	if runtime.GOOS == "windows" {
		prompts = append(prompts, shell(`echo MFA code:>&2& echo {}`))
		wantPrompt = append(wantPrompt, "MFA code:\r\n")
	} else {
		prompts = append(prompts, shell(`echo "MFA code:" >&2; echo '{}'`))
		wantPrompt = append(wantPrompt, "MFA code:\n")
	}
	for i, c := range prompts {
		var tee bytes.Buffer
		c.Stderr = &tee
		if _, err = Run(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		if got := tee.String(); got != wantPrompt[i] {
			t.Errorf("Run(%s): Stderr copy = %q; want %q", c.Line(), got, wantPrompt[i])
		}
	}
}

// TestRunPathsWithSpacesAndBackslashes runs a program under a directory
// whose name holds a space and a backslash (on Windows, a separator), with
// an argument holding a backslash, through the shell and without one.
func TestRunPathsWithSpacesAndBackslashes(t *testing.T) {
	dir := filepath.Join(tempDir(t), `my tools\v2`)
	producer, env := installProducer(t, dir, "creds helper", "args")
	type run struct {
		c       Command
		program string
		want    string
	}
	runs := []run{
		{Command{Shell: quoteLine(producer, `"arg\t1"`)}, producer, `["arg\\t1"]` + "\n"},
		{Command{Args: []string{producer, `arg\t1`}}, producer, `["arg\\t1"]` + "\n"},
	}
	// A script as a broker installs it: a batch file on Windows, a sh
	// script on Unix, each printing its first argument.
	var script string
	if runtime.GOOS == "windows" {
		script = filepath.Join(dir, "creds helper.cmd")
		if err := os.WriteFile(script, []byte("@echo %~1\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		runs = append(runs,
			run{Command{Shell: quoteLine(script, `"arg\t1"`)}, script, `arg\t1` + "\r\n"},
			run{Command{Args: []string{script, `arg\t1`}}, script, `arg\t1` + "\r\n"})
	} else {
		script = filepath.Join(dir, "creds helper.sh")
		if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s' \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		runs = append(runs,
			run{Command{Shell: fmt.Sprintf(`"%s" 'arg\t1'`, script)}, script, `arg\t1`},
			run{Command{Args: []string{script, `arg\t1`}}, script, `arg\t1`})
	}
	for _, r := range runs {
		c := r.c
		c.Env, c.Timeout, c.MaxOutput = env, time.Minute, 1<<10
		res, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("Run(%s) error = %v", c.Line(), err)
		}
		if string(res.Stdout) != r.want {
			t.Errorf("Run(%s) stdout = %q; want %q", c.Line(), res.Stdout, r.want)
		}
		if c.Program() != r.program {
			t.Errorf("Program() = %q; want %q", c.Program(), r.program)
		}
	}
}

func TestRunFailures(t *testing.T) {
	// A file that is not a program: without the execute bit on Unix, not
	// an executable image on Windows.
	notProgram := filepath.Join(tempDir(t), "creds")
	var notExecutable error = fs.ErrPermission
	if runtime.GOOS == "windows" {
		notProgram += ".exe"
		notExecutable = syscall.Errno(193) // ERROR_BAD_EXE_FORMAT
	}
	if err := os.WriteFile(notProgram, []byte("not a program\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type failure struct {
		name       string
		cmd        Command
		wantExit   int
		wantStderr string
		wantIs     error
	}
	tests := []failure{
		{"non-zero exit with stderr", self(t, "fail"), 3, "Login required: run 'sso login' first", nil},
		{"shell, non-zero exit with stderr", selfShell(t, "fail"), 3, "Login required: run 'sso login' first", nil},
		{"argv not found", Command{Args: []string{"credprocess-no-such-command"}, Timeout: time.Minute, MaxOutput: 1}, -1, "", exec.ErrNotFound},
		{"argv not executable", Command{Args: []string{notProgram}, Timeout: time.Minute, MaxOutput: 1}, -1, "", notExecutable},
		{"output over the limit", self(t, "flood-stdout"), -1, "", ErrOutputTooLarge},
	}
	if runtime.GOOS == "windows" {
		// cmd.exe's status and message for a program it cannot find, which
		// it reports as they are, like sh's 127.
		tests = append(tests,
			failure{"cmd.exe command not found", shell("credprocess-no-such-command --flag"), 9009, "as an internal or external command", nil})
	} else {
		tests = append(tests,
			failure{"sh command not found", shell("credprocess-no-such-command --flag"), 127, "not found", nil},
			failure{"sh not executable", shell("/dev/null"), 126, "denied", nil},
			failure{"killed by a signal", shell("kill -9 $$"), -1, "", nil})
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
	type program struct {
		cmd  Command
		want string
	}
	tests := []program{
		{Command{Args: []string{"/usr/bin/producer", "--secret"}}, "/usr/bin/producer"},
		{Command{Args: []string{`C:\Program Files (x86)\My Tool\creds.exe`, "--secret"}}, `C:\Program Files (x86)\My Tool\creds.exe`},
	}
	// A line is read as the system shell reads it; package shellword has
	// the cases of each grammar.
	if runtime.GOOS == "windows" {
		tests = append(tests, []program{
			{Command{Shell: "aws-vault export --format=json dev"}, "aws-vault"},
			{Command{Shell: `  "C:\Program Files (x86)\My Tool\creds.exe" --role x`}, `C:\Program Files (x86)\My Tool\creds.exe`},
			{Command{Shell: `set BROKER_TOKEN=cGxhbnRlZA==MTIz== && broker`}, "cmd.exe"},
			{Command{Shell: `%TOOLS%\broker --token SECRET`}, "cmd.exe"},
			{Command{Shell: `echo {"SecretAccessKey":"x"}`}, "cmd.exe"},
			{Command{Shell: `broker|more`}, "broker"},
		}...)
	} else {
		tests = append(tests, []program{
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
		}...)
	}
	for _, tt := range tests {
		if got := tt.cmd.Program(); got != tt.want {
			t.Errorf("Program(%q) = %q; want %q", tt.cmd.Line(), got, tt.want)
		}
	}
}

// TestRunNamesProgramInError runs a program whose path has parentheses and
// spaces, with secrets in its arguments and, on Unix, in an assignment
// before it: the error names the program and holds no secret.
func TestRunNamesProgramInError(t *testing.T) {
	dir := filepath.Join(tempDir(t), "Program Files (x86)")
	producer, env := installProducer(t, dir, "creds", "args")
	type failure struct {
		name     string
		line     string
		program  string
		wantExit int
	}
	tests := []failure{
		{"producer", quoteLine(producer, "--fail", "--secret", plantedSecret), producer, 3},
	}
	// A script as a broker installs it, failing with status 4.
	if runtime.GOOS == "windows" {
		script := filepath.Join(dir, "creds.cmd")
		if err := os.WriteFile(script, []byte("@echo no session 1>&2\r\n@exit /b 4\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, failure{"batch file", quoteLine(script, "--secret", plantedSecret), script, 4})
	} else {
		script := filepath.Join(dir, "creds.sh")
		if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'no session' >&2\nexit 4\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, failure{"sh script after an assignment", `BROKER_TOKEN=` + plantedToken + ` "` + script + `" --secret ` + plantedSecret, script, 4})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), Command{Shell: tt.line, Env: env, Timeout: time.Minute, MaxOutput: 1 << 10})
			var pe *RunError
			if !errors.As(err, &pe) || pe.ExitCode != tt.wantExit {
				t.Fatalf("Run() error = %v; want exit status %d", err, tt.wantExit)
			}
			if pe.Program != tt.program {
				t.Errorf("Program = %q; want %q", pe.Program, tt.program)
			}
			if s := err.Error(); strings.Contains(s, plantedToken) || strings.Contains(s, plantedSecret) {
				t.Errorf("Error() holds a planted secret: %s", s)
			}
		})
	}
}
