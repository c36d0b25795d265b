package credprocess_test

import (
	"context"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/provider"
)

// TestCommandLineAsProcesscreds runs a credential_process line through
// credprocess and through the SDK's processcreds: the program must get the
// same arguments from both, expanded by the system shell, where the AWS
// CLI (shlex, no shell) would pass the words as written. On Unix the line
// holds a variable, $$, a tilde and a glob, which sh -c expands; on
// Windows a %VAR%, which cmd.exe expands, and a tilde and a glob, which it
// leaves alone.
func TestCommandLineAsProcesscreds(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDPROCESS_LINE_VAR", "from the environment")
	var (
		words     string   // the line after the program
		asWritten []string // the words as written
		want      []string // the arguments the shell makes of them
		pid       = -1     // the argument that is the shell's pid, if any
	)
	if runtime.GOOS == "windows" {
		// Unquoted: a line with quotes reaches cmd.exe mangled through
		// processcreds (aws-sdk-go-v2 #3208).
		words = "%CREDPROCESS_LINE_VAR% ~ " + faults + "o*.json"
		asWritten = []string{"%CREDPROCESS_LINE_VAR%", "~", faults + "o*.json"}
		want = []string{"from", "the", "environment", "~", faults + "o*.json"}
	} else {
		words = `"$CREDPROCESS_LINE_VAR" $$ ~ ` + faults + "o*.json"
		asWritten = []string{"$CREDPROCESS_LINE_VAR", "$$", "~", faults + "o*.json"}
		want = []string{"from the environment", "PID", home, faults + "ok.json"}
		pid = 1
	}
	line := helperLine("args") + " " + words

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
		*c.args = argsOf(t, c.account)
		if len(*c.args) != len(want) {
			t.Fatalf("producer got %q; want %d arguments", *c.args, len(want))
		}
		if pid < 0 {
			continue
		}
		if !regexp.MustCompile(`^[0-9]+$`).MatchString((*c.args)[pid]) {
			t.Errorf("$$ reached the program as %q; want the shell's pid", (*c.args)[pid])
		}
		(*c.args)[pid] = "PID" // the shell's pid differs from run to run
	}
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
