package credprocess_test

// The test binary as a credential_process producer. A command line runs it
// with helperArg, a behaviour's name and the behaviour's arguments
// (helperLine in producers_helpers_test.go); init runs the behaviour before
// TestMain and exits. The producers are Go, not shell scripts and not a
// program built at test time, so that the same tests run on Linux and on
// Windows, where no Go toolchain and no sh are at hand.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// helperArg, as the test binary's first argument, makes it a producer.
const helperArg = "credprocess-test-helper"

// helperEnv, when set to a behaviour's name, makes the test binary that
// behaviour with all its arguments: for a copy of the test binary run by a
// command line that has no room for helperArg (a profile value that is a
// program's path and nothing else). Tests that set it run alone.
const helperEnv = "CREDPROCESS_TEST_HELPER"

// pidsEnv names a file to which every helper process appends its pid, the
// children a behaviour starts included: how the fault matrix checks on
// every system that a run left no process behind.
const pidsEnv = "CREDPROCESS_HELPER_PIDS"

// behaviours are what the test binary does as a producer, by name. Each
// takes its arguments and returns the exit status.
var behaviours = map[string]func(args []string) int{
	// print prints one set, with testdata/producer's flags: -key,
	// -secret, -token ("" for none), -life (0 for no Expiration),
	// -count FILE (a line per run), -delay before printing, and
	// -longer-after FILE: the first run creates FILE, and the runs that
	// find it print twice -life.
	"print": printSet,
	// session prints a new session per run: key -key followed by the run's
	// number (-count is required), its secret and token the key followed by
	// -secret and -token; valid for -life, or until -expires.
	"session": session,
	// fixed prints the long-term key -key, its secret the key followed by
	// "-secret", with no session token and no Expiration, as a deactivated
	// IAM user's key would come back.
	"fixed": fixed,
	// fail writes -stderr to stderr and exits -exit, after -delay.
	"fail": fail,
	// rotate -state DIR hands out a new key on every run (rotateKey), valid
	// for an hour; with -same, every run prints the first run's key, as a
	// producer that caches its own output would.
	"rotate": rotate,
	// flaky -state DIR fails while DIR/fail exists and otherwise hands out
	// a new key on every run (flakyKey), living DIR/life seconds (default
	// 3600); it appends "N EXPIRATION" to DIR/keys.
	"flaky": flaky,
	// args prints the set AKIDARGS / s whose AccountId holds its arguments
	// (argsOf reads them).
	"args": printArgs,
	// The faults' behaviours (producer_faults_test.go).
	//
	// hang counts its run in -count and sleeps -for (a minute), as a
	// producer stuck on a prompt; with -child it waits for a child that
	// hangs too, holding stdout.
	"hang": hang,
	// cat [-banner TEXT] [-exit N] FILE [ignored...] writes the banner line
	// and FILE to stdout and exits N.
	"cat": cat,
	// empty exits 0 without output.
	"empty": func([]string) int { return 0 },
	// drip writes a byte of a JSON document every 100 ms, forever.
	"drip": drip,
	// drip-valid writes ok.json in 40-byte pieces 100 ms apart, then exits.
	"drip-valid": dripValid,
	// child-holds-stdout prints ok.json and exits 0, leaving a child that
	// holds stdout open for a minute.
	"child-holds-stdout": childHoldsStdout,
	// flood-stdout writes ok.json over and over, forever.
	"flood-stdout": floodStdout,
	// flood-stderr -exit N -mib M writes M MiB (64) to stderr between a
	// first and a last line, then prints ok.json if N is 0, or exits N.
	"flood-stderr": floodStderr,
	// expiring prints the fault secrets with the Expiration $EXPIRATION,
	// verbatim.
	"expiring": expiring,
	// echo-at STATE AT TOTAL STDOUT STDERR echoes its secrets to stderr at
	// offset AT (see echoAt).
	"echo-at": echoAtBehaviour,
	// labelled -form I -state DIR prints its secrets to stderr in form I
	// of proctest.LabelledSecrets (see labelledCommand).
	"labelled": labelled,
}

func init() {
	name, args := os.Getenv(helperEnv), os.Args[1:]
	switch {
	case len(args) >= 2 && args[0] == helperArg:
		name, args = args[1], args[2:]
	case name == "":
		return
	}
	if path := os.Getenv(pidsEnv); path != "" {
		appendLine(path, strconv.Itoa(os.Getpid())) //nolint:errcheck // a missing pid shows in the test
	}
	behaviour, ok := behaviours[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "no helper behaviour %q\n", name)
		os.Exit(2)
	}
	os.Exit(behaviour(args))
}

// appendLine appends line and a newline to path.
func appendLine(path, line string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// nextRun appends a line to path for this run (the time and the parent's
// pid, for reading a failure) and returns the run's number, the lines
// counted. A lock directory beside path keeps concurrent runs from taking
// the same number; proctest.Runs reads the count. An empty path, a
// behaviour's -count left out, counts nothing.
func nextRun(path string) (int, error) {
	if path == "" {
		return 0, nil
	}
	lock := path + ".lock"
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		err := os.Mkdir(lock, 0o700)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || time.Now().After(deadline) {
			return 0, err
		}
	}
	defer os.Remove(lock)
	if err := appendLine(path, fmt.Sprint("run ", time.Now().Format("15:04:05.000"), " ", os.Getppid())); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(path)
	return bytes.Count(b, []byte("\n")), err
}

// flags parses args into a new flag set defined by define, and returns the
// arguments left; ok is false after an error, which it reports.
func flags(name string, args []string, define func(*flag.FlagSet)) (rest []string, ok bool) {
	set := flag.NewFlagSet(name, flag.ContinueOnError)
	define(set)
	if err := set.Parse(args); err != nil {
		return nil, false
	}
	return set.Args(), true
}

// failed reports err on stderr and returns exit status 1.
func failed(err error) int {
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// emit writes a credentials document to stdout; an empty secret, token or
// expires is left out.
func emit(key, secret, token string, expires time.Time) int {
	out := map[string]any{"Version": 1, "AccessKeyId": key}
	if secret != "" {
		out["SecretAccessKey"] = secret
	}
	if token != "" {
		out["SessionToken"] = token
	}
	if !expires.IsZero() {
		out["Expiration"] = expires.UTC().Format(time.RFC3339Nano)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		return 1
	}
	return 0
}

func printSet(args []string) int {
	var key, secret, token, count, longer string
	var life, delay time.Duration
	if _, ok := flags("print", args, func(f *flag.FlagSet) {
		f.StringVar(&key, "key", "AKIDPRODUCER", "access key id")
		f.StringVar(&secret, "secret", "producer-secret", "secret access key")
		f.StringVar(&token, "token", "producer-token", "session token; empty for none")
		f.DurationVar(&life, "life", time.Hour, "lifetime; 0 for no Expiration")
		f.StringVar(&count, "count", "", "file to append a line to for each run")
		f.DurationVar(&delay, "delay", 0, "time to take before printing")
		f.StringVar(&longer, "longer-after", "", "file the first run creates; later runs print twice the lifetime")
	}); !ok {
		return 2
	}
	if _, err := nextRun(count); err != nil {
		return failed(err)
	}
	if longer != "" {
		if _, err := os.Stat(longer); err == nil {
			life *= 2
		} else if err := os.WriteFile(longer, nil, 0o600); err != nil {
			return failed(err)
		}
	}
	time.Sleep(delay)
	var expires time.Time
	if life > 0 {
		expires = time.Now().Add(life)
	}
	return emit(key, secret, token, expires)
}

func session(args []string) int {
	var key, count, secret, token, expiresAt string
	var life, delay time.Duration
	if _, ok := flags("session", args, func(f *flag.FlagSet) {
		f.StringVar(&key, "key", "AKIDSESSION", "the access key id's prefix")
		f.StringVar(&secret, "secret", "-secret", "the secret: the key id followed by this")
		f.StringVar(&token, "token", "-token", "the session token: the key id followed by this")
		f.StringVar(&count, "count", "", "file to append a line to for each run")
		f.DurationVar(&life, "life", time.Hour, "lifetime")
		f.StringVar(&expiresAt, "expires", "", "the Expiration (RFC 3339), instead of -life")
		f.DurationVar(&delay, "delay", 0, "time to take before printing")
	}); !ok {
		return 2
	}
	n, err := nextRun(count)
	if err != nil {
		return failed(err)
	}
	time.Sleep(delay)
	expires := time.Now().Add(life)
	if expiresAt != "" {
		if expires, err = time.Parse(time.RFC3339Nano, expiresAt); err != nil {
			return failed(err)
		}
	}
	id := fmt.Sprintf("%s%04d", key, n)
	return emit(id, id+secret, id+token, expires)
}

func fixed(args []string) int {
	var key, count string
	var delay time.Duration
	if _, ok := flags("fixed", args, func(f *flag.FlagSet) {
		f.StringVar(&key, "key", "AKIDFIXED", "access key id")
		f.StringVar(&count, "count", "", "file to append a line to for each run")
		f.DurationVar(&delay, "delay", 0, "time to take before printing")
	}); !ok {
		return 2
	}
	if _, err := nextRun(count); err != nil {
		return failed(err)
	}
	time.Sleep(delay)
	return emit(key, key+"-secret", "", time.Time{})
}

func fail(args []string) int {
	var count, stderr string
	var exit int
	var delay time.Duration
	if _, ok := flags("fail", args, func(f *flag.FlagSet) {
		f.StringVar(&count, "count", "", "file to append a line to for each run")
		f.StringVar(&stderr, "stderr", "broker unavailable", "what to write to stderr")
		f.IntVar(&exit, "exit", 1, "exit status")
		f.DurationVar(&delay, "delay", 0, "time to take before failing")
	}); !ok {
		return 2
	}
	if _, err := nextRun(count); err != nil {
		return failed(err)
	}
	time.Sleep(delay)
	fmt.Fprintln(os.Stderr, stderr)
	return exit
}

func rotate(args []string) int {
	var state string
	var same bool
	if _, ok := flags("rotate", args, func(f *flag.FlagSet) {
		f.StringVar(&state, "state", "", "directory of the run count")
		f.BoolVar(&same, "same", false, "print the first run's key every time")
	}); !ok {
		return 2
	}
	n, err := nextRun(filepath.Join(state, "runs"))
	if err != nil {
		return failed(err)
	}
	if same {
		n = 1
	}
	akid, secret, token := rotateKey(n)
	return emit(akid, secret, token, time.Now().Add(time.Hour).Truncate(time.Second))
}

func flaky(args []string) int {
	var state string
	if _, ok := flags("flaky", args, func(f *flag.FlagSet) {
		f.StringVar(&state, "state", "", "directory of the run count, the keys and the switches")
	}); !ok {
		return 2
	}
	n, err := nextRun(filepath.Join(state, "runs"))
	if err != nil {
		return failed(err)
	}
	if _, err := os.Stat(filepath.Join(state, "fail")); err == nil {
		fmt.Fprintf(os.Stderr, "flaky: broker unavailable (run %d)\n", n)
		time.Sleep(flakyFailTime)
		return 1
	}
	// A life file being rewritten may read empty: the default then.
	life := 3600
	if b, err := os.ReadFile(filepath.Join(state, "life")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			life = n
		}
	}
	expires := time.Now().Truncate(time.Second).Add(time.Duration(life) * time.Second).UTC()
	if err := appendLine(filepath.Join(state, "keys"), fmt.Sprint(n, " ", expires.Format(time.RFC3339))); err != nil {
		return failed(err)
	}
	akid, secret, token := flakyKey(n)
	return emit(akid, secret, token, expires)
}

// printArgs writes "args" and each argument path-escaped after a space,
// so that the output holds no backslash: processcreds turns every \" of
// the output into " on Windows.
func printArgs(args []string) int {
	account := "args"
	for _, a := range args {
		account += " " + url.PathEscape(a)
	}
	doc, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": "AKIDARGS", "SecretAccessKey": "s", "AccountId": account})
	os.Stdout.Write(doc) //nolint:errcheck // the reader checks the output
	return 0
}
