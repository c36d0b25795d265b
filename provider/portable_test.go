package provider_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// The TestPortable tests use the test binary as the producer, so that they
// need no shell script and run unchanged on Linux and on Windows, where CI
// runs them under Wine (see tools/wine/run.sh).

// portableEnv switches the test binary into a producer; it is read in init,
// before TestMain. The producer appends a byte to $PORTABLE_RUNS for each
// run, then:
//   - creds: prints a set with the key id $PORTABLE_KEY if its arguments
//     are the JSON array $PORTABLE_ARGS, else fails with exit 3 naming them;
//   - hang: sleeps for an hour, or $PORTABLE_HANG_FOR;
//   - read: reads a line from stdin and prints a set with the key id
//     $PORTABLE_KEY followed by the line.
const portableEnv = "PROVIDER_PORTABLE_PRODUCER"

func init() {
	behaviour := os.Getenv(portableEnv)
	if behaviour == "" {
		return
	}
	if f, err := os.OpenFile(os.Getenv("PORTABLE_RUNS"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		f.Write([]byte{'.'}) //nolint:errcheck // the test counts what arrived
		f.Close()
	}
	switch behaviour {
	case "creds":
		var want []string
		json.Unmarshal([]byte(os.Getenv("PORTABLE_ARGS")), &want) //nolint:errcheck // a mismatch is reported below
		if got := os.Args[1:]; !slices.Equal(got, want) {
			fmt.Fprintf(os.Stderr, "producer got arguments %q\n", got)
			os.Exit(3)
		}
		os.Stdout.Write(credsJSON(os.Getenv("PORTABLE_KEY"), time.Now().Add(time.Hour))) //nolint:errcheck // the reader checks the output
	case "hang":
		d, err := time.ParseDuration(os.Getenv("PORTABLE_HANG_FOR"))
		if err != nil {
			d = time.Hour
		}
		time.Sleep(d)
	case "read":
		// Reads a line from stdin, as a producer reads an MFA code, and
		// prints a set whose key id ends with it.
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			fmt.Fprintf(os.Stderr, "producer read stdin: %v\n", err)
			os.Exit(4)
		}
		os.Stdout.Write(credsJSON(os.Getenv("PORTABLE_KEY")+strings.TrimSpace(line), time.Now().Add(time.Hour))) //nolint:errcheck // the reader checks the output
	}
	os.Exit(0)
}

// portableProducer copies the test binary to a directory whose path has
// spaces (and parentheses, as C:\Program Files (x86)\ has), sets the
// producer's environment, and returns the copy's path and a function that
// counts its runs so far.
func portableProducer(t *testing.T, behaviour, key string, args []string) (string, func() int) {
	t.Helper()
	dir := filepath.Join(proctest.TempDir(t, "provider-test"), "Program Files (x86)", "My Tool")
	exe := proctest.CopySelf(t, dir, "producer")
	wantArgs, _ := json.Marshal(args)
	runs := filepath.Join(filepath.Dir(filepath.Dir(dir)), "runs")
	t.Setenv(portableEnv, behaviour)
	t.Setenv("PORTABLE_ARGS", string(wantArgs))
	t.Setenv("PORTABLE_KEY", key)
	t.Setenv("PORTABLE_RUNS", runs)
	// A race-enabled binary otherwise sleeps a second before it exits.
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	return exe, func() int {
		b, _ := os.ReadFile(runs)
		return len(b)
	}
}

func TestPortableArgsWithSpacesAndQuotes(t *testing.T) {
	args := []string{"--role", "Machine Role", `say "hi"`, `C:\trailing\`, ""}
	exe, runs := portableProducer(t, "creds", "AKIDPORTABLEARGS", args)
	c := provider.NewArgs(append([]string{exe}, args...))
	got, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	if got.AccessKeyID != "AKIDPORTABLEARGS" || runs() != 1 {
		t.Errorf("Retrieve() = %s after %d runs; want AKIDPORTABLEARGS after 1", got.AccessKeyID, runs())
	}
}

// A quoted program path with spaces and arguments after it, the line a
// profile's credential_process holds, runs through the platform's shell
// (sh -c, or cmd.exe /D /C).
func TestPortableQuotedPathThroughShell(t *testing.T) {
	exe, runs := portableProducer(t, "creds", "AKIDPORTABLESHELL", []string{"--role", "Machine"})
	c := provider.New(`"` + exe + `" --role Machine`)
	got, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	if got.AccessKeyID != "AKIDPORTABLESHELL" || runs() != 1 {
		t.Errorf("Retrieve() = %s after %d runs; want AKIDPORTABLESHELL after 1", got.AccessKeyID, runs())
	}
}

func TestPortableConcurrentRetrieveRunsOnce(t *testing.T) {
	exe, runs := portableProducer(t, "creds", "AKIDPORTABLEONCE", nil)
	c := provider.NewArgs([]string{exe})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, err := c.Retrieve(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Retrieve() error = %v", err)
	}
	if n := runs(); n != 1 {
		t.Errorf("8 concurrent Retrieve calls ran the producer %d times; want 1", n)
	}
}

func TestPortableFailureReadsTheSame(t *testing.T) {
	exe, runs := portableProducer(t, "creds", "AKIDPORTABLEFAIL", []string{"--expected"})
	_, err := provider.NewArgs([]string{exe, "--other"}).Retrieve(context.Background())
	var pe *provider.ProcessError
	if !errors.As(err, &pe) {
		t.Fatalf("Retrieve() error = %v; want a *provider.ProcessError", err)
	}
	if pe.ExitCode != 3 || pe.Stderr != `producer got arguments ["--other"]` || runs() != 1 {
		t.Errorf("ProcessError{ExitCode: %d, Stderr: %q} after %d runs; want exit 3, the producer's line, 1 run",
			pe.ExitCode, pe.Stderr, runs())
	}
}

func TestPortableTimeoutThroughCache(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 1-second timeout")
	}
	exe, _ := portableProducer(t, "hang", "", nil)
	c := provider.New(`"`+exe+`"`, func(o *provider.Options) { o.Timeout = time.Second })
	start := time.Now()
	_, err := c.Retrieve(context.Background())
	// A bound far above the timeout: it catches a run nothing ends, not a
	// slow machine.
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("Retrieve() returned after %v; want about the 1s timeout", elapsed)
	}
	var pe *provider.ProcessError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &pe) || !pe.Timeout() {
		t.Errorf("Retrieve() error = %v; want a *provider.ProcessError for the timeout", err)
	}
}
