package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// TestCheckMessages: each failure says what happened in words a user can
// act on.
func TestCheckMessages(t *testing.T) {
	missing := filepath.Join(proctest.TempDir(t, "check-messages"), "no-such-producer")
	// The test binary, as the producer or, for a test with stdout, as a
	// program printing it.
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	notOnPath, notFound, sh, shLine := "$PATH", "no such file or directory", "/bin/sh -c '", "'"
	if runtime.GOOS == "windows" {
		notOnPath, notFound, sh, shLine = "%PATH%", "file does not exist", `cmd.exe /D /C "`, `"`
	}
	tests := []struct {
		name    string
		args    []string
		stdout  string   // what p prints, instead of being the producer
		want    []string // lines or fragments the text report must contain
		notWant []string
	}{
		{
			name:    "program that does not exist never started",
			args:    []string{"--", missing},
			want:    []string{"Exit code  none: it never started\n", "FAIL: never started: " + missing + ": " + notFound + "\n"},
			notWant: []string{"did not exit on its own", "Run time", "fork/exec"},
		},
		{
			name:    "program not on PATH",
			args:    []string{"--", "no-such-producer-on-path"},
			want:    []string{"FAIL: never started: \"no-such-producer-on-path\": executable file not found in " + notOnPath + "\n"},
			notWant: []string{"exec:"},
		},
		{
			name:    "profile that no file defines",
			args:    []string{"--profile", "no-such-profile"},
			want:    []string{"FAIL: profile not found: \"no-such-profile\" in "},
			notWant: []string{"provider:"},
		},
		{
			name: "program not found by the shell",
			args: []string{"--shell", "no-such-producer-on-path --arg"},
			want: []string{"exited with status " + notFoundStatus() + ": the shell found no such program: check PATH, or use an absolute path"},
		},
		{
			name:   "Version 2 says what it got",
			args:   []string{"--", p},
			stdout: `{"Version":2,"AccessKeyId":"AKIDVERSION2","SecretAccessKey":"s"}`,
			want:   []string{"FAIL: Version: must be the number 1, got 2\n"},
		},
		{
			name: "Version as a string",
			args: []string{"--", p, "badversion"},
			want: []string{"FAIL: Version: must be the number 1, got a string\n"},
		},
		{
			name:   "banner before the JSON",
			args:   []string{"--", p},
			stdout: "Welcome to the broker\n" + `{"Version":1,"AccessKeyId":"AKIDBANNER","SecretAccessKey":"s"}` + "\n",
			want:   []string{"FAIL: output starts with text before the JSON object (print it to stderr instead)\n"},
		},
		{
			name:   "text after the JSON",
			args:   []string{"--", p},
			stdout: `{"Version":1,"AccessKeyId":"AKIDTRAILER","SecretAccessKey":"s"}` + "\ndone\n",
			want:   []string{"FAIL: output has text after the JSON object (print it to stderr instead)\n"},
		},
		{
			name:   "long expired: the date and a readable span",
			args:   []string{"--", p},
			stdout: `{"Version":1,"AccessKeyId":"AKIDOLD","SecretAccessKey":"s","Expiration":"2027-01-28T19:55:18Z"}` + "\n",
			want:   []string{"Time to live     none: expired at 2027-01-28T19:55:18Z, 2 years 11 months ago\n"},
		},
		{
			name:   "long time to live",
			args:   []string{"--", p},
			stdout: `{"Version":1,"AccessKeyId":"AKIDLONG","SecretAccessKey":"s","Expiration":"2031-03-01T00:00:00Z"}` + "\n",
			want:   []string{"Time to live     1 year 2 months\n"},
		},
		{
			name:    "arguments hidden by default",
			args:    []string{"--", p, "valid", plantedArg},
			want:    []string{"arguments not shown"},
			notWant: []string{plantedArg, "Command "},
		},
		{
			name: "--show-command shows what runs",
			args: []string{"--show-command", "--", p, "valid", plantedArg},
			// Quoted as a POSIX shell word where it needs to be: a Windows
			// path for its backslashes.
			want: []string{"Command    " + shellWord(p) + " valid " + plantedArg + "\n"},
		},
		{
			name: "--show-command with the shell",
			args: []string{"--show-command", "--shell", quoted(p) + " valid"},
			want: []string{"Command    " + sh + quoted(p) + " valid" + shLine + "\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stdout != "" {
				printing(t, tt.stdout, "", 0)
			} else {
				producer(t)
			}
			stdout, _, _ := cli(t, append([]string{"check"}, tt.args...)...)
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("report does not contain %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(stdout, w) {
					t.Errorf("report contains %q:\n%s", w, stdout)
				}
			}
		})
	}
}

// notFoundStatus is the status of a shell that found no program to run:
// POSIX shells' 127, cmd.exe's 9009.
func notFoundStatus() string {
	if runtime.GOOS == "windows" {
		return "9009"
	}
	return "127"
}

// shellWord is the path of a program as check --show-command shows it: as
// a POSIX shell word, quoted if it holds anything but letters, digits and
// -_./:=+,@%.
func shellWord(path string) string {
	if strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%") == "" {
		return path
	}
	return "'" + path + "'"
}

// TestCheckShowCommandProfile: --show-command shows the line as the SDK's
// parser left it, which is what runs.
func TestCheckShowCommandProfile(t *testing.T) {
	p := producer(t)
	cfg := filepath.Join(proctest.TempDir(t, "check-messages"), "config")
	if err := os.WriteFile(cfg, []byte("[profile dev]\ncredential_process = "+p+" valid ; a comment\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	r, _ := checkJSON(t, "--show-command", "--profile", "dev")
	want := "/bin/sh -c '" + p + " valid'"
	if runtime.GOOS == "windows" {
		want = `cmd.exe /D /C "` + p + ` valid"`
	}
	if r.Command != want {
		t.Errorf("command = %q; want %q", r.Command, want)
	}
	r, _ = checkJSON(t, "--profile", "dev")
	if r.Command != "" {
		t.Errorf("without --show-command, command = %q; want none", r.Command)
	}
}

// TestCheckHelpAndFlags: help goes to stdout with status 0 however it is
// asked for; a flag error is printed once; no usage has an empty heading.
func TestCheckHelpAndFlags(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"check", "-h"}, {"check", "--help"}, {"help", "check"}} {
		stdout, stderr, code := cli(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "usage:") || !strings.Contains(stdout, "-show-command") {
			t.Errorf("credprocess %q = status %d, stdout %q, stderr %q; want 0, the full usage on stdout, nothing on stderr", args, code, stdout, stderr)
		}
	}
	_, stderr, code := cli(t, "check", "--bogus")
	if code != 2 || strings.Count(stderr, "-bogus") != 1 {
		t.Errorf("check --bogus = status %d, stderr %q; want 2 and the error once", code, stderr)
	}
	for _, args := range [][]string{{"check", "-bogus"}, {"check", "--timeout", "soon"}, {"check", "--profile"}, {"cache", "-bogus"}} {
		if _, stderr, _ := cli(t, args...); !strings.Contains(stderr, " --"+strings.TrimLeft(args[1], "-")) {
			t.Errorf("credprocess %q: stderr %q; want the flag written --%s", args, stderr, strings.TrimLeft(args[1], "-"))
		}
	}
	for _, args := range [][]string{nil, {"check", "--bogus"}, {"verify"}, {"help"}} {
		stdout, stderr, _ := cli(t, args...)
		for _, out := range []string{stdout, stderr} {
			if strings.Contains(out, "flags:\n\n") || strings.HasSuffix(out, "flags:\n") {
				t.Errorf("credprocess %q printed an empty flags heading:\n%s", args, out)
			}
		}
	}
}

// TestCheckHelpDashes: the help writes every flag with two dashes, as the
// README and the error messages do, and names every variable that picks
// the profile.
func TestCheckHelpDashes(t *testing.T) {
	help, _, _ := cli(t, "check", "--help")
	newFlags().VisitAll(func(f *flag.Flag) {
		if !strings.Contains(help, "\n  --"+f.Name) {
			t.Errorf("help does not list --%s:\n%s", f.Name, help)
		}
	})
	for line := range strings.SplitSeq(help, "\n") {
		if single.MatchString(line) {
			t.Errorf("help line %q writes a flag with one dash", line)
		}
	}
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		if !strings.Contains(help, v) {
			t.Errorf("help does not mention %s:\n%s", v, help)
		}
	}
}

// single matches a flag written with one dash.
var single = regexp.MustCompile(`(^|[\s\[(])-[a-z]`)

func TestPlain(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("provider: profile \"p\": no credential_process"), "profile \"p\": no credential_process"},
		{fmt.Errorf("check: %w", errors.New("credprocess: profile \"p\": source_profile cycle")), "profile \"p\": source_profile cycle"},
		{errors.New("exited with status 3"), "exited with status 3"},
		{errors.New("profile: the word, not a package"), "profile: the word, not a package"},
		{errors.New("operation error STS: AssumeRole"), "operation error STS: AssumeRole"},
	}
	for _, tt := range tests {
		if got := plain(tt.err); got != tt.want {
			t.Errorf("plain(%q) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

// TestStartError: a program that could not start is named as given, a
// Windows path with its single backslashes, and a missing file given with
// its directory is not said to be missing from PATH.
func TestStartError(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&exec.Error{Name: "no-such-producer", Err: exec.ErrNotFound}, `"no-such-producer": ` + exec.ErrNotFound.Error()},
		{&exec.Error{Name: `C:\Program Files\broker.exe`, Err: fs.ErrNotExist}, `"C:\Program Files\broker.exe": file does not exist`},
		{&exec.Error{Name: "/opt/broker/producer", Err: exec.ErrNotFound}, "/opt/broker/producer: file does not exist"},
		{&fs.PathError{Op: "fork/exec", Path: "/opt/broker/producer", Err: fs.ErrPermission}, "/opt/broker/producer: permission denied"},
	}
	for _, tt := range tests {
		if got := startError(tt.err); got != tt.want {
			t.Errorf("startError(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

// TestShellExit: the statuses the system's shell reserves for a program it
// could not run are explained; a producer's own are not.
func TestShellExit(t *testing.T) {
	notFound, cannotRun, producers := 127, 126, []int{0, 1, 3, 9009}
	if runtime.GOOS == "windows" {
		notFound, cannotRun, producers = 9009, -1, []int{0, 1, 3, 126, 127}
	}
	if got := shellExit(notFound); !strings.Contains(got, "the shell found no such program") {
		t.Errorf("shellExit(%d) = %q; want the shell's not-found explained", notFound, got)
	}
	if got := shellExit(cannotRun); cannotRun >= 0 && !strings.Contains(got, "could not run it") {
		t.Errorf("shellExit(%d) = %q; want the shell's cannot-run explained", cannotRun, got)
	}
	for _, code := range producers {
		if got := shellExit(code); got != "" {
			t.Errorf("shellExit(%d) = %q; want nothing: the producer's own status", code, got)
		}
	}
}

// TestCheckTimeoutPrompt: a producer killed at the timeout after writing
// what reads as a prompt gets the hint to use --interactive; one that was
// only slow, or already had the terminal, does not.
func TestCheckTimeoutPrompt(t *testing.T) {
	const hint = "run check with --interactive"
	tests := []struct {
		name        string
		prompt      string
		interactive bool
		wantHint    bool
	}{
		{name: "colon", prompt: "Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ", wantHint: true},
		{name: "question mark", prompt: "Open the browser to log in?  \n", wantHint: true},
		{name: "colon, then white space", prompt: "Password:\t\r\n", wantHint: true},
		{name: "no prompt", prompt: "waiting for the broker...\n"},
		{name: "nothing on stderr"},
		{name: "already interactive", prompt: "Enter MFA code: ", interactive: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.name != "colon" {
				t.Skip("waits out a 300ms timeout; -short keeps the first row")
			}
			exe := helper(t, "prompt", "PROMPT", tt.prompt)
			args := []string{"check", "--timeout", "300ms", "--", exe}
			if tt.interactive {
				args = []string{"check", "--interactive", "--timeout", "300ms", "--", exe}
			}
			a := testApp
			a.stdin = strings.NewReader("")
			var out, errOut bytes.Buffer
			code := a.run(context.Background(), args, &out, &errOut)
			if code != exitFail || !strings.Contains(out.String(), "killed at the 300ms timeout") {
				t.Fatalf("status %d; want %d and a timeout:\n%s", code, exitFail, out.String())
			}
			if got := strings.Contains(out.String(), hint); got != tt.wantHint {
				t.Errorf("report has the --interactive hint: %v; want %v:\n%s", got, tt.wantHint, out.String())
			}
		})
	}
}
