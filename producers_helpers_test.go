package credprocess_test

// The credential_process command lines the tests run, each the test
// binary as a producer (producer_behaviours_test.go), with what it prints
// and how to count its runs.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

// faults is the directory of the fault documents, relative to the package
// directory, where the tests and their producers run.
const faults = "testdata/faults/"

const (
	// faultTimeout is Options.Timeout for runs that are not about the
	// timeout: long enough never to fire on a loaded machine.
	faultTimeout = 10 * time.Second
	// grace is what a run may take beyond its timeout: the kill, the
	// WaitDelay for pipes a grandchild holds, a loaded machine. It tells a
	// killed run from one that waited for its command, nothing finer.
	grace = 10 * time.Second
)

// testBinary is the test binary's path, which TestMain sets: the program
// of every producer (producer_behaviours_test.go).
var testBinary string

// helperArgs runs the test binary as the producer behaviour with args,
// without a shell.
func helperArgs(behaviour string, args ...string) []string {
	return append([]string{testBinary, helperArg, behaviour}, args...)
}

// helperLine is helperArgs as a command line for the system shell. A word
// is quoted only where the shell needs it: a line with quotes reaches the
// SDK's processcreds mangled on Windows (aws-sdk-go-v2 #3208), and the
// lines a test gives processcreds must run.
func helperLine(behaviour string, args ...string) string {
	words := helperArgs(behaviour, args...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

// shellQuote quotes word for the system shell, where it needs quotes. On
// Windows a word cannot hold a double quote or a percent sign, which
// cmd.exe would read, nor end with a backslash before the closing quote.
func shellQuote(word string) string {
	if runtime.GOOS == "windows" {
		switch {
		case strings.ContainsAny(word, `"%`):
			panic(fmt.Sprintf("shellQuote: cmd.exe cannot take %q as a word", word))
		case word != "" && !strings.ContainsAny(word, " \t&|<>^(),;="):
			return word
		case strings.HasSuffix(word, `\`):
			panic(fmt.Sprintf("shellQuote: %q ends with a backslash", word))
		}
		return `"` + word + `"`
	}
	if shellSafe.MatchString(word) {
		return word
	}
	return "'" + strings.ReplaceAll(word, "'", `'\''`) + "'"
}

// shellSafe matches the words sh reads as written.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`)

// producerLine is a credential_process value running the print behaviour
// with key id akid, counting runs in count.
func producerLine(akid, count string) string {
	return helperLine("print", "-count", count, "-key", akid, "-secret", akid+"-secret", "-token", akid+"-token")
}

// selfProducer returns a command line running the test binary as the
// producer behaviour mode (session, fixed or fail) with the key id (or
// prefix) key and flags, and a function counting its runs so far.
func selfProducer(t testing.TB, mode, key string, flags ...string) (line string, runs func() int) {
	t.Helper()
	count := filepath.Join(proctest.TempDir(t, "producer"), "runs")
	args := append([]string{"-count", count}, flags...)
	if mode != "fail" {
		args = append(args, "-key", key)
	}
	return helperLine(mode, args...), func() int { return proctest.Runs(t, count) }
}

// allowSessions lets srv accept the first n sets the session behaviour
// prints with key prefix.
func allowSessions(srv *awstest.Server, prefix string, n int) {
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("%s%04d", prefix, i)
		srv.Allow(id, id+"-secret", id+"-token")
	}
}

// shellCommand runs a command line with the system shell, as the SDK's
// processcreds does.
func shellCommand(ctx context.Context, line string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd.exe", "/C", line)
	}
	return exec.CommandContext(ctx, "sh", "-c", line)
}

// labelledCommand is the command line of the labelled behaviour: with a
// state directory, the first run prints credentials and exits 0; every
// later run, and every run with state "-", writes form i of
// proctest.LabelledSecrets (curl -v, aws --debug, STS's XML, presigned
// URLs) to stderr, nothing to stdout, and exits 1.
func labelledCommand(i int, state string) string {
	return helperLine("labelled", "-form", strconv.Itoa(i), "-state", state)
}

// argsOf returns the arguments the args behaviour got, from the AccountId
// it printed.
func argsOf(t testing.TB, account string) []string {
	t.Helper()
	words := strings.Split(account, " ")
	if words[0] != "args" {
		t.Fatalf("AccountId %q is not the args behaviour's", account)
	}
	args := []string{}
	for _, w := range words[1:] {
		a, err := url.PathUnescape(w)
		if err != nil {
			t.Fatalf("AccountId %q: %v", account, err)
		}
		args = append(args, a)
	}
	return args
}

// rotateKey returns the credentials the rotate behaviour prints on its nth
// run.
func rotateKey(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDROTATE%04d", n), "secret" + strconv.Itoa(n), "token" + strconv.Itoa(n)
}

// rotateLine is the command line of the rotate behaviour with its state in
// dir: a producer that hands out a new key on every run.
func rotateLine(dir string) string { return helperLine("rotate", "-state", dir) }

// rotateCommand returns a credential_process line running the rotate
// behaviour with its state in a new directory, and a function reporting how
// many times it has run. With same, every run prints the first run's key.
func rotateCommand(t testing.TB, same bool) (command string, runs func() int) {
	t.Helper()
	state := proctest.TempDir(t, "rotate")
	args := []string{"-state", state}
	if same {
		args = append(args, "-same")
	}
	return helperLine("rotate", args...), func() int { return proctest.Runs(t, filepath.Join(state, "runs")) }
}

// flakyCommand returns a credential_process line running the flaky
// behaviour with its state in a new directory, whose runs print
// credentials living life (truncated to the second) until a file named
// fail appears in state.
func flakyCommand(t testing.TB, life time.Duration) (command, state string) {
	t.Helper()
	state = proctest.TempDir(t, "flaky")
	writeFile(t, filepath.Join(state, "life"), fmt.Sprint(int(life.Seconds())))
	return helperLine("flaky", "-state", state), state
}

// flakyRuns returns how many times the flaky behaviour ran.
func flakyRuns(t testing.TB, state string) int {
	t.Helper()
	return proctest.Runs(t, filepath.Join(state, "runs"))
}

// flakyExpiry returns the Expiration the flaky behaviour printed with key
// akid.
func flakyExpiry(t testing.TB, state, akid string) time.Time {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(state, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		n, exp, _ := strings.Cut(strings.TrimSpace(line), " ")
		if fmt.Sprintf("AKIDFLAKY%05s", n) == akid {
			at, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatalf("the flaky producer never printed %s", akid)
	return time.Time{}
}

// flakyKey returns the credentials the flaky behaviour prints on its nth
// run.
func flakyKey(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDFLAKY%05d", n), faultSecret, fmt.Sprintf("%s-%d", faultToken, n)
}

// echoAt is the command line of the echo-at behaviour. The first run with
// a state directory prints ok.json and exits 0; every later run, and every
// run with state "-", fails: it writes at bytes of padding to stderr, then
// the document's secret values, then padding up to total bytes, prints the
// document on stdout and exits 1. stdout and stderr say how each stream
// writes the secrets: plain, slashes (escaped as PHP escapes them, \/),
// gson (= as \u003d), env (export AWS_SECRET_ACCESS_KEY=... lines, on
// stderr only) or none (nothing, on stdout only).
func echoAt(state string, at, total int, stdout, stderr string) string {
	return helperLine("echo-at", state, strconv.Itoa(at), strconv.Itoa(total), stdout, stderr)
}

// cutAt is the offset at which echo-at must start its stderr line for the
// secret key (which 0) or the session token (which 1) to run across offset
// cut, 20 bytes of it before the cut.
func cutAt(cut, which int) int {
	at := cut - len("debug: ") - 20
	if which == 1 {
		at -= len(faultSecret) + 1
	}
	return at
}

// stuckTimeout bounds each run of hangingCommand's line.
const stuckTimeout = 2 * time.Second

// hangingCommand returns a command line that counts its runs in a new file
// and then hangs for hangFor (zero: a minute), like a producer stuck on a
// prompt. On Unix exec makes the producer the shell itself, so that
// killing the shell also ends it for processcreds, which kills only the
// process it started.
func hangingCommand(t *testing.T, hangFor time.Duration) (command, count string) {
	t.Helper()
	count = filepath.Join(proctest.TempDir(t, "hang"), "runs")
	args := []string{"-count", count}
	if hangFor > 0 {
		args = append(args, "-for", hangFor.String())
	}
	command = helperLine("hang", args...)
	if runtime.GOOS != "windows" {
		command = "exec " + command
	}
	return command, count
}
