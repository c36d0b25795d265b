package execjson

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// helperEnv makes the test binary act as a credential_process command, as
// os/exec's own tests do: TestMain runs the behaviour named by the variable
// instead of the tests.
const helperEnv = "EXECJSON_TEST_HELPER"

func TestMain(m *testing.M) {
	if behaviour := os.Getenv(helperEnv); behaviour != "" {
		helper(behaviour)
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

const (
	plantedSecret = "pLaNtEdSeCrEtKeY/0123456789abcdefghijklmn"
	plantedToken  = "pLaNtEdSeSsIoNtOkEn+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
)

func validJSON(exp time.Time) string {
	return fmt.Sprintf(`{"Version":1,"AccessKeyId":"AKIDEXAMPLE1234","SecretAccessKey":%q,"SessionToken":%q,"Expiration":%q}`,
		plantedSecret, plantedToken, exp.UTC().Format(time.RFC3339))
}

func helper(behaviour string) {
	switch behaviour {
	case "ok":
		fmt.Println(validJSON(time.Now().Add(time.Hour)))
	case "echo-stdin":
		b := make([]byte, 16)
		n, _ := os.Stdin.Read(b)
		fmt.Printf("stdin:%q", b[:n])
	case "cat":
		io.Copy(os.Stdout, os.Stdin) //nolint:errcheck // the test checks the output
	case "env-dir":
		wd, _ := os.Getwd()
		fmt.Print(os.Getenv("CREDPROCESS_TEST_VAR") + " " + wd)
	case "prompt", "prompt-hang":
		// Its arguments, as a prompt on stderr; then a document, or a hang.
		fmt.Fprintln(os.Stderr, strings.Join(os.Args[1:], " "))
		if behaviour == "prompt-hang" {
			time.Sleep(time.Hour)
		}
		fmt.Println("{}")
	case "fail":
		fmt.Fprintln(os.Stderr, "Login required: run 'sso login' first")
		os.Exit(3)
	case "fail-with-json":
		fmt.Println(validJSON(time.Now().Add(time.Hour)))
		fmt.Fprintln(os.Stderr, "debug: printed", validJSON(time.Now().Add(time.Hour)))
		os.Exit(1)
	case "flood-stdout":
		chunk := strings.Repeat("x", 64<<10)
		for i := 0; i < 1<<10; i++ {
			if _, err := os.Stdout.WriteString(chunk); err != nil {
				os.Exit(2)
			}
		}
	case "flood-stderr":
		chunk := strings.Repeat("e", 64<<10)
		fmt.Fprint(os.Stderr, "FIRST LINE\n")
		for i := 0; i < 256; i++ {
			os.Stderr.WriteString(chunk)
		}
		fmt.Fprint(os.Stderr, "\nLAST LINE")
		fmt.Println(validJSON(time.Now().Add(time.Hour)))
	case "fail-crlf":
		os.Stderr.WriteString("Login required: run aws sso login\r\nthen retry\r\n")
		os.Exit(1)
	case "stderr-at":
		stderrAt()
	case "hang":
		time.Sleep(time.Hour)
	default:
		fmt.Fprintln(os.Stderr, "unknown behaviour", behaviour)
		os.Exit(99)
	}
}

// quickExit keeps a race-enabled helper from waiting a second as it exits,
// which would add that second to every run.
var quickExit = "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")

// self returns a Command that runs this test binary as the helper.
func self(t *testing.T, behaviour string) Command {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Command{
		Args:      []string{exe},
		Env:       append(os.Environ(), helperEnv+"="+behaviour, quickExit),
		Timeout:   time.Minute,
		MaxOutput: 64 << 10,
	}
}

// selfShell returns a Command that runs this test binary as the helper
// through the system shell, its path and each of args in double quotes,
// which sh and cmd.exe read alike when they hold no quote, backslash, $,
// % or backquote.
func selfShell(t *testing.T, behaviour string, args ...string) Command {
	t.Helper()
	c := self(t, behaviour)
	words := make([]string, len(args))
	for i, a := range args {
		words[i] = `"` + a + `"`
	}
	c.Shell, c.Args = quoteLine(c.Args[0], words...), nil
	return c
}

// shell returns a Command that runs line through the system shell.
func shell(line string) Command {
	return Command{Shell: line, Timeout: time.Minute, MaxOutput: 64 << 10}
}
