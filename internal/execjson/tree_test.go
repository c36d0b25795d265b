package execjson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// producerEnv makes the test binary act as a producer that behaves the same
// on every system, so the tests below need no shell script and run
// unchanged on Linux and Windows. It is read in init, before TestMain, so
// that these behaviours stay apart from the ones in main_test.go.
const producerEnv = "EXECJSON_TEST_PRODUCER"

func init() {
	if behaviour := os.Getenv(producerEnv); behaviour != "" {
		producer(behaviour)
		os.Exit(0)
	}
}

// producer runs one behaviour:
//   - args: prints its arguments as a JSON array; with a first argument of
//     --cat it copies stdin to stdout instead, and with --fail it fails
//     like a producer that needs a login;
//   - hang: sleeps for an hour;
//   - record: records its pid and runs steps (see record);
//   - tree-hang, tree-exit, tree-flood: starts a child that hangs holding
//     stdout and stderr open, writes the child's pid to $PIDFILE, and then
//     hangs, prints a document and exits 0, or floods stdout.
func producer(behaviour string) {
	switch behaviour {
	case "args":
		args := os.Args[1:]
		switch {
		case len(args) > 0 && args[0] == "--cat":
			io.Copy(os.Stdout, os.Stdin) //nolint:errcheck // the reader checks the output
		case len(args) > 0 && args[0] == "--fail":
			fmt.Fprintln(os.Stderr, "Login required: run 'sso login' first")
			os.Exit(3)
		default:
			json.NewEncoder(os.Stdout).Encode(args) //nolint:errcheck // the reader checks the output
		}
	case "hang":
		time.Sleep(time.Hour)
	case "record":
		record(os.Args[1:])
	case "tree-hang", "tree-exit", "tree-flood":
		exe, _ := os.Executable()
		child := exec.Command(exe)
		child.Env = append(os.Environ(), producerEnv+"=hang")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "start child:", err)
			os.Exit(2)
		}
		if err := os.WriteFile(os.Getenv("PIDFILE"), []byte(strconv.Itoa(child.Process.Pid)), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "pid file:", err)
			os.Exit(2)
		}
		switch behaviour {
		case "tree-hang":
			time.Sleep(time.Hour)
		case "tree-exit":
			fmt.Println(validJSON(time.Now().Add(time.Hour)))
		case "tree-flood":
			chunk := strings.Repeat("x", 64<<10)
			for range 1 << 10 {
				if _, err := os.Stdout.WriteString(chunk); err != nil {
					os.Exit(2)
				}
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown behaviour", behaviour)
		os.Exit(99)
	}
}

// installProducer copies the test binary to dir/name (see
// proctest.CopySelf) and returns its path and the environment that makes it
// run behaviour.
func installProducer(t *testing.T, dir, name, behaviour string) (string, []string) {
	t.Helper()
	return proctest.CopySelf(t, dir, name), append(os.Environ(), producerEnv+"="+behaviour, quickExit)
}

// tempDir is proctest.TempDir, which Wine can clean up.
func tempDir(t *testing.T) string { return proctest.TempDir(t, "execjson-test") }

// pidWritten reports whether path holds a whole pid; the producer may be
// writing it.
func pidWritten(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	_, err = strconv.Atoi(string(b))
	return err == nil
}

// quoteLine quotes path for the system shell's command line. Both sh and
// cmd.exe take a double-quoted path; the paths here hold no character
// either treats specially inside the quotes.
func quoteLine(path string, args ...string) string {
	return strings.Join(append([]string{`"` + path + `"`}, args...), " ")
}

// TestRunTimeoutEndsProcessTree covers a producer that starts a child which
// holds stdout open, run directly and through the system shell: the
// timeout, a cancelled context and an output overflow end both, and Run
// returns within the timeout plus a grace far below the hour they would run.
func TestRunTimeoutEndsProcessTree(t *testing.T) {
	// Long enough for the child to start and record its pid on a loaded
	// machine under Wine; the bound below is what tells a killed run.
	const timeout = 5 * time.Second
	const grace = 15 * time.Second
	dir := tempDir(t)
	for _, behaviour := range []string{"tree-hang", "tree-flood", "tree-cancel"} {
		for _, viaShell := range []bool{false, true} {
			name := fmt.Sprintf("%s/shell=%v", behaviour, viaShell)
			t.Run(name, func(t *testing.T) {
				if behaviour == "tree-hang" && testing.Short() {
					t.Skip("waits out a timeout sized for Wine")
				}
				run := behaviour
				if run == "tree-cancel" {
					run = "tree-hang"
				}
				path, env := installProducer(t, filepath.Join(dir, behaviour, strconv.FormatBool(viaShell)), "producer", run)
				pidfile := filepath.Join(filepath.Dir(path), "pid")
				c := Command{Args: []string{path}, Env: append(env, "PIDFILE="+pidfile), Timeout: timeout, MaxOutput: 64 << 10}
				if viaShell {
					c.Args, c.Shell = nil, quoteLine(path)
				}
				ctx := context.Background()
				if behaviour == "tree-cancel" {
					c.Timeout = time.Hour
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
					go func() {
						// Cancel once the child exists, so the cancellation
						// has a tree to end.
						for !pidWritten(pidfile) {
							time.Sleep(20 * time.Millisecond)
						}
						cancel()
					}()
				}
				start := time.Now()
				_, err := Run(ctx, c)
				elapsed := time.Since(start)

				var pe *RunError
				if !errors.As(err, &pe) {
					t.Fatalf("Run() error = %v; want a *RunError", err)
				}
				switch behaviour {
				case "tree-hang":
					if !pe.Timeout() || !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Run() error = %v; want a timeout", err)
					}
				case "tree-flood":
					if !errors.Is(err, ErrOutputTooLarge) {
						t.Errorf("Run() error = %v; want ErrOutputTooLarge", err)
					}
				case "tree-cancel":
					if !errors.Is(err, context.Canceled) || pe.Timeout() {
						t.Errorf("Run() error = %v; want context.Canceled", err)
					}
				}
				if pe.ExitCode != -1 {
					t.Errorf("ExitCode = %d; want -1 for a run that was stopped", pe.ExitCode)
				}
				if limit := timeout + grace; elapsed > limit {
					t.Errorf("Run() took %v; want under %v", elapsed, limit)
				}
				proctest.ProcessGone(t, proctest.ReadPID(t, pidfile))
			})
		}
	}
}

// TestRunStragglerEnded covers a producer that prints its document and exits
// 0 while its child keeps stdout open: the run succeeds and the child ends.
func TestRunStragglerEnded(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out WaitDelay")
	}
	path, env := installProducer(t, tempDir(t), "producer", "tree-exit")
	pidfile := filepath.Join(filepath.Dir(path), "pid")
	c := Command{Shell: quoteLine(path), Env: append(env, "PIDFILE="+pidfile), Timeout: time.Minute, MaxOutput: 64 << 10}
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	if _, err := Parse(res.Stdout, time.Now()); err != nil {
		t.Errorf("Parse(stdout) error = %v", err)
	}
	proctest.ProcessGone(t, proctest.ReadPID(t, pidfile))
}

// TestRunQuotedPathWithSpaces covers the forms of credential_process AWS
// documents, with a program under a directory with spaces, on the system
// shell, and an argv with spaces, quotes and backslashes run without one.
func TestRunQuotedPathWithSpaces(t *testing.T) {
	path, env := installProducer(t, filepath.Join(tempDir(t), "My Tool"), "producer", "args")
	tests := []struct {
		name string
		c    Command
		want []string
	}{
		{"quoted path, arguments", Command{Shell: quoteLine(path, "--role", "Machine")}, []string{"--role", "Machine"}},
		{"docs form", Command{Shell: quoteLine(path, "parameterWithoutSpaces", `"parameter with spaces"`)}, []string{"parameterWithoutSpaces", "parameter with spaces"}},
		{"quoted path alone", Command{Shell: quoteLine(path)}, []string{}},
		{"pipe", Command{Shell: quoteLine(path, "one", "two") + " | " + quoteLine(path, "--cat")}, []string{"one", "two"}},
		{"argv", Command{Args: []string{path, "parameter with spaces", `say "hi"`, `C:\dir with space\`, `a\\b`, ""}}, []string{"parameter with spaces", `say "hi"`, `C:\dir with space\`, `a\\b`, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Env, c.Timeout, c.MaxOutput = env, time.Minute, 64<<10
			res, err := Run(context.Background(), c)
			if err != nil {
				t.Fatalf("Run(%s) error = %v", c.Line(), err)
			}
			var got []string
			if err := json.Unmarshal(res.Stdout, &got); err != nil {
				t.Fatalf("stdout %q: %v", res.Stdout, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
				t.Errorf("arguments = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestRunFailureReadsTheSame covers a producer that fails: the exit code, the
// stderr excerpt and the typed error are the same directly and through the
// shell, on every system.
func TestRunFailureReadsTheSame(t *testing.T) {
	path, env := installProducer(t, filepath.Join(tempDir(t), "My Tool"), "producer", "args")
	for name, c := range map[string]Command{
		"argv":  {Args: []string{path, "--fail"}},
		"shell": {Shell: quoteLine(path, "--fail")},
	} {
		t.Run(name, func(t *testing.T) {
			c.Env, c.Timeout, c.MaxOutput = env, time.Minute, 64<<10
			_, err := Run(context.Background(), c)
			var pe *RunError
			if !errors.As(err, &pe) {
				t.Fatalf("Run() error = %v; want a *RunError", err)
			}
			if pe.ExitCode != 3 || pe.Timeout() {
				t.Errorf("ExitCode = %d, Timeout() = %v; want 3, false", pe.ExitCode, pe.Timeout())
			}
			const want = "Login required: run 'sso login' first"
			if strings.TrimSpace(pe.Stderr) != want {
				t.Errorf("Stderr = %q; want %q", pe.Stderr, want)
			}
			if msg := err.Error(); msg != "exited with status 3" {
				t.Errorf("Error() = %q; want the status", msg)
			}
		})
	}
}
