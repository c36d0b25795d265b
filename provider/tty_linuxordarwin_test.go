//go:build linux || darwin

package provider_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/internal/terminal"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
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
	return strings.Join(ids, " "), errors.Is(err, terminal.ErrInterrupted), err
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

// ttyBackgroundEnv makes the test binary fetch credentials with
// Options.Stdin on its terminal, start a refresh in the background, and
// read a line from the terminal itself while that refresh runs, as a
// program reading its own input does; it prints a proctest.Report whose
// Value is the line it read.
const ttyBackgroundEnv = "PROVIDER_TTY_BACKGROUND"

func init() { proctest.DriveIf(ttyBackgroundEnv, readWhileRefreshing) }

func readWhileRefreshing() (string, bool, error) {
	creds := provider.New(os.Getenv(ttyScriptEnv), func(o *provider.Options) {
		o.Stdin, o.Stderr = os.Stdin, os.Stderr
		// Refresh ahead a moment after each fetch.
		o.Strategy = strategy.Func(func(_, now time.Time) time.Time { return now.Add(100 * time.Millisecond) })
	})
	ctx := context.Background()
	if _, err := creds.Retrieve(ctx); err != nil {
		return "", false, err
	}
	time.Sleep(200 * time.Millisecond)
	// Served at once; the command runs again behind it, for 3 seconds.
	if _, err := creds.Retrieve(ctx); err != nil {
		return "", false, err
	}
	// Read once that run has started, as a program reading its input
	// line after line does.
	time.Sleep(500 * time.Millisecond)
	fmt.Fprint(os.Stderr, "program> ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.TrimSpace(line), false, err
}

// TestBackgroundRefreshLeavesTheTerminal: with Options.Stdin on the
// terminal, a refresh that runs in the background while the program reads
// the terminal does not take the terminal: the program reads the line the
// user typed for it, instead of being stopped (SIGTTIN) while the shell
// runs the line as a command.
func TestBackgroundRefreshLeavesTheTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("the program waits half a second before it reads")
	}
	// The second run is the background one: it stays a while, as a
	// producer waiting on a broker does, and reads nothing.
	script := `echo $$ >"$PIDFILE"
if [ -e "$PIDFILE.ran" ]; then sleep 3; fi
: >"$PIDFILE.ran"
printf '{"Version":1,"AccessKeyId":"ASIATTY","SecretAccessKey":"s","SessionToken":"t","Expiration":"%s"}\n' "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v+1H +%Y-%m-%dT%H:%M:%SZ)"
`
	term, stdout, _ := proctest.StartDriver(t, ttyBackgroundEnv+"=1", ttyScriptEnv+"="+script)
	term.Answer(t, "program> ", "for the program\r")
	r := proctest.DecodeReport(t, []byte(stdout.String()))
	if r.Value != "for the program" || r.Err != "" {
		t.Errorf("the program read %q, %q; want the line typed for it", r.Value, r.Err)
	}
	r.CheckRestored(t)
}
