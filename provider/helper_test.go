package provider_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a producer that follows a helperSpec,
// given as JSON in the variable (os/exec's helper-process pattern): a
// test's producer is then the same Go program on Linux and on Windows,
// where CI runs the tests under Wine, instead of a shell script. It is
// read in init, before TestMain.
const helperEnv = "PROVIDER_HELPER_PRODUCER"

// helperSpec is what a helper producer does, field after field in the
// order they are declared; a zero field does nothing.
type helperSpec struct {
	Runs   string        // appends a line to this file, so that a test counts the runs
	PIDs   string        // starts a child that hangs holding stdout and stderr open, and writes its own pid and the child's to this file
	Stderr string        // writes this to stderr
	Sleep  time.Duration // sleeps this long
	Stdout string        // writes this to stdout, each $1 replaced by the first argument
	Exit   int           // exits with this status
}

func init() {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return
	}
	var s helperSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, "helper producer:", err)
		os.Exit(99)
	}
	os.Exit(s.run())
}

func (s helperSpec) run() int {
	if s.Runs != "" {
		f, err := os.OpenFile(s.Runs, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper producer:", err)
			return 99
		}
		fmt.Fprintln(f, "run") //nolint:errcheck // the test counts what arrived
		f.Close()
	}
	if s.PIDs != "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper producer:", err)
			return 99
		}
		child := exec.Command(exe)
		child.Env = append(os.Environ(), helperEnv+"="+helperJSON(helperSpec{Sleep: time.Hour}))
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "helper producer: start child:", err)
			return 99
		}
		pids := fmt.Sprintf("%d\n%d\n", os.Getpid(), child.Process.Pid)
		if err := os.WriteFile(s.PIDs, []byte(pids), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "helper producer:", err)
			return 99
		}
	}
	os.Stderr.WriteString(s.Stderr) //nolint:errcheck // the test checks what arrived
	time.Sleep(s.Sleep)
	out := s.Stdout
	if len(os.Args) > 1 {
		out = strings.ReplaceAll(out, "$1", os.Args[1])
	}
	os.Stdout.WriteString(out) //nolint:errcheck // the reader checks the output
	return s.Exit
}

func helperJSON(s helperSpec) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// helper makes the test binary, for the rest of t, a producer that follows
// spec, and returns its path.
func helper(t *testing.T, spec helperSpec) string {
	t.Helper()
	t.Setenv(helperEnv, helperJSON(spec))
	// A race-enabled binary otherwise sleeps a second before it exits.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// quoted quotes a program's path for a credential_process line: sh and
// cmd.exe both take a double-quoted path, and the test binary's holds
// nothing either treats specially inside the quotes.
func quoted(path string) string { return `"` + path + `"` }

// exampleProducer returns a credential_process line that runs the test
// binary and the environment that makes it a producer following spec,
// for an example, which has no t to set the environment through.
func exampleProducer(spec helperSpec) (line string, env []string) {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return quoted(exe), append(os.Environ(), helperEnv+"="+helperJSON(spec), "GORACE=atexit_sleep_ms=0")
}
