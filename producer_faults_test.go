package credprocess_test

// The test binary's behaviours as the faulty producers of the fault matrix
// and the secrecy tests: hanging, dripping, flooding, exiting early,
// echoing secrets to stderr. producer_behaviours_test.go names them.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

func hang(args []string) int {
	var count string
	var d time.Duration
	var child bool
	if _, ok := flags("hang", args, func(f *flag.FlagSet) {
		f.StringVar(&count, "count", "", "file to append a line to for each run")
		f.DurationVar(&d, "for", time.Minute, "how long to hang")
		f.BoolVar(&child, "child", false, "wait for a child that hangs too, holding stdout")
	}); !ok {
		return 2
	}
	if _, err := nextRun(count); err != nil {
		return failed(err)
	}
	if child {
		c := startChild("hang", "-for", d.String())
		if c == nil {
			return 1
		}
		c.Wait() //nolint:errcheck // only the timeout ends it
		return 0
	}
	time.Sleep(d)
	return 0
}

// startChild starts the test binary as behaviour with args, holding this
// process's stdout and stderr, or reports why it could not and returns nil.
func startChild(behaviour string, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		failed(err)
		return nil
	}
	c := exec.Command(exe, append([]string{helperArg, behaviour}, args...)...)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Start(); err != nil {
		failed(err)
		return nil
	}
	return c
}

func cat(args []string) int {
	var banner string
	var exit int
	rest, ok := flags("cat", args, func(f *flag.FlagSet) {
		f.StringVar(&banner, "banner", "", "a line to print first")
		f.IntVar(&exit, "exit", 0, "exit status")
	})
	if !ok || len(rest) == 0 {
		return 2
	}
	b, err := os.ReadFile(rest[0])
	if err != nil {
		return failed(err)
	}
	if banner != "" {
		fmt.Println(banner)
	}
	os.Stdout.Write(b) //nolint:errcheck // the reader checks the output
	return exit
}

// okJSON returns testdata/faults/ok.json, or exits.
func okJSON() []byte {
	b, err := os.ReadFile(faults + "ok.json")
	if err != nil {
		os.Exit(failed(err))
	}
	return b
}

func drip([]string) int {
	for {
		if _, err := os.Stdout.WriteString("{"); err != nil {
			return 1
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func dripValid([]string) int {
	doc := bytes.TrimSpace(okJSON())
	for len(doc) > 0 {
		n := min(40, len(doc))
		os.Stdout.Write(doc[:n]) //nolint:errcheck // the reader checks the output
		doc = doc[n:]
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println()
	return 0
}

func childHoldsStdout([]string) int {
	if startChild("hang") == nil {
		return 1
	}
	os.Stdout.Write(okJSON()) //nolint:errcheck // the reader checks the output
	return 0
}

func floodStdout([]string) int {
	doc := okJSON()
	for {
		if _, err := os.Stdout.Write(doc); err != nil {
			return 1
		}
	}
}

func floodStderr(args []string) int {
	var exit, mib int
	if _, ok := flags("flood-stderr", args, func(f *flag.FlagSet) {
		f.IntVar(&exit, "exit", 0, "exit status; 0 prints ok.json")
		f.IntVar(&mib, "mib", 64, "MiB to write")
	}); !ok {
		return 2
	}
	fmt.Fprintln(os.Stderr, "FLOOD START")
	chunk := bytes.Repeat([]byte("e"), 64<<10)
	for range (mib << 20) / len(chunk) {
		if _, err := os.Stderr.Write(chunk); err != nil {
			return 1
		}
	}
	fmt.Fprint(os.Stderr, "\nFLOOD END\n")
	if exit != 0 {
		return exit
	}
	os.Stdout.Write(okJSON()) //nolint:errcheck // the reader checks the output
	return 0
}

func expiring([]string) int {
	doc, _ := json.Marshal(map[string]any{
		"Version": 1, "AccessKeyId": "AKIDFAULTEXPIRING", "SecretAccessKey": faultSecret, "SessionToken": faultToken,
		"Expiration": os.Getenv("EXPIRATION"), "Note": stdoutCanary,
	})
	fmt.Printf("%s\n", doc)
	return 0
}

// secretsIn finds the raw text of the secret key and the session token in
// a credentials document, escapes included.
var secretsIn = regexp.MustCompile(`"SecretAccessKey":"([^"]*)","SessionToken":"([^"]*)"`)

func echoAtBehaviour(args []string) int {
	if len(args) != 5 {
		return 2
	}
	state, stdoutForm, stderrForm := args[0], args[3], args[4]
	at, err1 := strconv.Atoi(args[1])
	total, err2 := strconv.Atoi(args[2])
	if err := errors.Join(err1, err2); err != nil {
		return failed(err)
	}
	ok := okJSON()
	if firstRun(state) {
		os.Stdout.Write(ok) //nolint:errcheck // the reader checks the output
		return 0
	}
	// doc is ok.json with its secrets written as form says.
	doc := func(form string) []byte {
		switch form {
		case "slashes":
			return bytes.ReplaceAll(ok, []byte("/"), []byte(`\/`))
		case "gson":
			return bytes.ReplaceAll(ok, []byte("="), []byte(`\u003d`))
		case "none":
			return nil
		}
		return ok
	}
	m := secretsIn.FindSubmatch(doc(stderrForm))
	if stderrForm == "env" {
		m = secretsIn.FindSubmatch(ok)
	}
	if m == nil {
		return failed(fmt.Errorf("echo-at: no secrets in the %s document", stderrForm))
	}
	text := fmt.Sprintf("debug: %s %s", m[1], m[2])
	if stderrForm == "env" {
		text = fmt.Sprintf("export AWS_SECRET_ACCESS_KEY=%s\nexport AWS_SESSION_TOKEN=%s", m[1], m[2])
	}
	rest := max(total-at-len(text), 0)
	os.Stderr.WriteString(strings.Repeat(".", at) + text + strings.Repeat(".", rest)) //nolint:errcheck // the reader checks the output
	os.Stdout.Write(doc(stdoutForm))                                                  //nolint:errcheck // the reader checks the output
	return 1
}

func labelled(args []string) int {
	var form int
	var state string
	if _, ok := flags("labelled", args, func(f *flag.FlagSet) {
		f.IntVar(&form, "form", 0, "the form of proctest.LabelledSecrets")
		f.StringVar(&state, "state", "-", `directory recording the first run; "-" for none`)
	}); !ok {
		return 2
	}
	if firstRun(state) {
		fmt.Printf(`{"Version":1,"AccessKeyId":"AKIDFAULTOK","SecretAccessKey":%q,"SessionToken":%q,"Expiration":"2099-01-01T00:00:00Z"}`+"\n",
			faultSecret, faultToken)
		return 0
	}
	forms := proctest.LabelledSecrets(faultSecret, faultToken)
	if form < 0 || form >= len(forms) {
		fmt.Fprintf(os.Stderr, "no labelled form %d\n", form)
		return 2
	}
	os.Stderr.WriteString(forms[form].Text) //nolint:errcheck // the reader checks the output
	return 1
}

// firstRun reports whether this is the first run recorded in the directory
// state ("-" for none), and records it: a behaviour that succeeds once
// before it fails.
func firstRun(state string) bool {
	if state == "-" {
		return false
	}
	ran := filepath.Join(state, "ran")
	if _, err := os.Stat(ran); !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	os.WriteFile(ran, nil, 0o600) //nolint:errcheck // a second success shows in the test
	return true
}
