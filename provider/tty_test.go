//go:build linux || darwin

package provider_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// ttyDriverEnv makes the test binary retrieve credentials from the command
// in ttyScriptEnv with Options.Stdin and Stderr on its terminal, from
// several goroutines at once, and print a proctest.Report. It is read in
// init, before TestMain.
const (
	ttyDriverEnv = "PROVIDER_TTY_DRIVER"
	ttyScriptEnv = "PROVIDER_TTY_SCRIPT"
)

func init() { proctest.DriveIf(ttyDriverEnv, retrieveOnTerminal) }

func retrieveOnTerminal() (string, bool, error) {
	creds := provider.New(os.Getenv(ttyScriptEnv), func(o *provider.Options) {
		o.Stdin, o.Stderr = os.Stdin, os.Stderr
	})
	ids := make([]string, 4)
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			c, err := creds.Retrieve(context.Background())
			ids[i], errs[i] = c.AccessKeyID, err
		})
	}
	wg.Wait()
	err := errors.Join(errs...)
	return strings.Join(ids, " "), errors.Is(err, execjson.ErrInterrupted), err
}

func TestRetrieveOnTerminal(t *testing.T) {
	script := `echo $$ >"$PIDFILE"
printf 'Enter MFA code: ' >&2
read code
printf '{"Version":1,"AccessKeyId":"ASIAMFA%s","SecretAccessKey":"s","SessionToken":"t"}\n' "$code"
`
	term, stdout, pidfile := proctest.StartDriver(t, ttyDriverEnv+"=1", ttyScriptEnv+"="+script)
	sinceTyped := term.Answer(t, "Enter MFA code: ", "123456\r")
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	want := strings.TrimSpace(strings.Repeat("ASIAMFA123456 ", 4))
	if r.Value != want || r.Err != "" {
		t.Errorf("4 Retrieve calls with Stdin on a terminal = %q, %q; want %q", r.Value, r.Err, want)
	}
	if n := strings.Count(term.Output(), "Enter MFA code: "); n != 1 {
		t.Errorf("the terminal showed %d prompts; want 1 (one run for all callers)", n)
	}
	r.CheckAnswered(t, "Retrieve", pidfile, sinceTyped)
}
