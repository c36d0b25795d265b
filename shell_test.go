package credprocess_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/provider"
)

// argsEnv makes the test binary a producer that prints credentials whose
// AccountId is its arguments as a JSON array. It is read in init, before
// TestMain.
const argsEnv = "CREDPROCESS_ARGS_PRODUCER"

func init() {
	if os.Getenv(argsEnv) == "" {
		return
	}
	args, _ := json.Marshal(os.Args[1:])
	doc, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": "AKIDARGS", "SecretAccessKey": "s", "AccountId": string(args)})
	os.Stdout.Write(doc) //nolint:errcheck // the reader checks the output
	os.Exit(0)
}

// TestCommandLineAsProcesscreds runs a credential_process line with a
// variable, $$, a tilde and a glob through credprocess and through the
// SDK's processcreds: the program must get the same arguments from both,
// expanded by sh -c, where the AWS CLI (shlex, no shell) would pass the
// words as written.
func TestCommandLineAsProcesscreds(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the line is POSIX shell")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDPROCESS_LINE_VAR", "from the environment")
	// A race-enabled binary otherwise sleeps a second before it exits.
	line := fmt.Sprintf(`GORACE=atexit_sleep_ms=0 %s=1 '%s' "$CREDPROCESS_LINE_VAR" $$ ~ %so*.json`, argsEnv, exe, faults)
	asWritten := []string{"$CREDPROCESS_LINE_VAR", "$$", "~", faults + "o*.json"}

	ctx := context.Background()
	ours, err := provider.New(line).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sdk, err := processcreds.NewProvider(line).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var gotOurs, gotSDK []string
	for _, c := range []struct {
		account string
		args    *[]string
	}{{ours.AccountID, &gotOurs}, {sdk.AccountID, &gotSDK}} {
		if err := json.Unmarshal([]byte(c.account), c.args); err != nil || len(*c.args) != len(asWritten) {
			t.Fatalf("producer got %s; want %d arguments", c.account, len(asWritten))
		}
		if !regexp.MustCompile(`^[0-9]+$`).MatchString((*c.args)[1]) {
			t.Errorf("$$ reached the program as %q; want the shell's pid", (*c.args)[1])
		}
		(*c.args)[1] = "PID" // the shell's pid differs from run to run
	}
	want := []string{"from the environment", "PID", home, faults + "ok.json"}
	if diff := cmp.Diff(want, gotOurs); diff != "" {
		t.Errorf("credprocess: arguments mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(gotSDK, gotOurs); diff != "" {
		t.Errorf("arguments differ from processcreds' (-processcreds +credprocess):\n%s", diff)
	}
	if cmp.Equal(asWritten, gotOurs) {
		t.Errorf("arguments %q reached the program as written, as the AWS CLI passes them", gotOurs)
	}
}

// TestDocsSayWhoseShell: the docs say that a command line runs as
// aws-sdk-go-v2's processcreds runs it, never as the AWS CLI does (which
// runs no shell), and the README lists how the two differ.
func TestDocsSayWhoseShell(t *testing.T) {
	claim := regexp.MustCompile(`(?i)\b(as|the way)\b[^.;:]{0,40}\bAWS CLI\b[^.;:]{0,20}\bruns?\b`)
	for _, file := range []string{"README.md", "doc.go", "provider/doc.go", "provider/provider.go", "provider/options.go", "cmd/credprocess/main.go"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := regexp.MustCompile(`\n\s*//\s*`).ReplaceAllString(string(b), " ") // comments as running text
		text = strings.Join(strings.Fields(text), " ")
		for _, m := range claim.FindAllString(text, -1) {
			t.Errorf("%s says %q: the AWS CLI runs credential_process without a shell", file, m)
		}
	}
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "### Differences from the AWS CLI\n")
	if start < 0 {
		t.Fatal("README has no section ### Differences from the AWS CLI")
	}
	section := readme[start:]
	section = section[:strings.Index(section[4:], "\n#")+4]
	for _, want := range []string{"processcreds", "sh -c", "cmd.exe /D /C", "shlex", "`$VAR`", "`$$`", "`~`", "glob", "`%VAR%`"} {
		if !strings.Contains(section, want) {
			t.Errorf("README's differences from the AWS CLI do not mention %s", want)
		}
	}
}
