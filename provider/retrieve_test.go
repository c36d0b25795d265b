package provider_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

const farFuture = "2099-01-01T00:00:00Z"

// TestRetrieveFromShellLine: a credential_process line runs through the
// system shell (sh -c, or cmd.exe /D /C), which passes a double-quoted
// argument as one; the argv form runs the program without one.
func TestRetrieveFromShellLine(t *testing.T) {
	exe := helper(t, helperSpec{Stdout: `{"Version": 1, "AccessKeyId": "AKIDSCRIPT", "SecretAccessKey": "$1", "SessionToken": "tok",
 "Expiration": "` + farFuture + `", "AccountId": "123456789012"}
`})
	got, err := provider.New(quoted(exe) + ` "secret with spaces"`).Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve() error = %v", err)
	}
	want := aws.Credentials{
		AccessKeyID: "AKIDSCRIPT", SecretAccessKey: "secret with spaces", SessionToken: "tok",
		AccountID: "123456789012", Source: provider.ProviderName, CanExpire: true,
		Expires: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("Retrieve() mismatch (-want +got):\n%s", diff)
	}

	got, err = provider.NewArgs([]string{exe, "argv form"}).Retrieve(context.Background())
	if err != nil || got.SecretAccessKey != "argv form" {
		t.Errorf("NewArgs Retrieve() = %q, %v; want secret %q", got.SecretAccessKey, err, "argv form")
	}
}

func TestRetrieveNeverExpiring(t *testing.T) {
	exe := helper(t, helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKIDLONGTERM","SecretAccessKey":"s"}` + "\n"})
	c := provider.New(quoted(exe))
	for range 3 {
		got, err := c.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.CanExpire {
			t.Errorf("CanExpire = true; want false for output without Expiration")
		}
	}
}

// TestConcurrentColdRetrieveRunsOnce: a thousand goroutines asking a cold
// cache at once cause exactly one run of the command.
func TestConcurrentColdRetrieveRunsOnce(t *testing.T) {
	count := filepath.Join(proctest.TempDir(t, "provider-test"), "runs")
	exe := helper(t, helperSpec{Runs: count, Sleep: 300 * time.Millisecond,
		Stdout: `{"Version":1,"AccessKeyId":"AKIDCONCURRENT","SecretAccessKey":"s","Expiration":"` + farFuture + `"}` + "\n"})
	c := provider.New(quoted(exe))
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			got, err := c.Retrieve(context.Background())
			if err == nil && got.AccessKeyID != "AKIDCONCURRENT" {
				err = fmt.Errorf("AccessKeyID = %q", got.AccessKeyID)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Retrieve() error = %v", err)
		}
	}
	if got := proctest.Runs(t, count); got != 1 {
		t.Errorf("command ran %d times for %d concurrent Retrieve calls; want 1", got, n)
	}
}

// TestCallerStopsWaiting: a caller whose context ends stops waiting, while
// the run goes on and serves the others.
func TestCallerStopsWaiting(t *testing.T) {
	if testing.Short() {
		t.Skip("the command takes a second")
	}
	count := filepath.Join(proctest.TempDir(t, "provider-test"), "runs")
	exe := helper(t, helperSpec{Runs: count, Sleep: time.Second,
		Stdout: `{"Version":1,"AccessKeyId":"AKIDSLOW","SecretAccessKey":"s","Expiration":"` + farFuture + `"}` + "\n"})
	c := provider.New(quoted(exe))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Retrieve(ctx)
		done <- err
	}()
	patient := make(chan error)
	go func() {
		_, err := c.Retrieve(context.Background())
		patient <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Retrieve() error = %v; want context.Canceled", err)
	}
	if err := <-patient; err != nil {
		t.Errorf("patient Retrieve() error = %v", err)
	}
	if got := proctest.Runs(t, count); got != 1 {
		t.Errorf("command ran %d times; want 1", got)
	}
}

func TestRetrieveErrors(t *testing.T) {
	// A program the shell cannot find: sh exits 127 and says so; cmd.exe
	// exits 9009 and says the name is not an internal or external command.
	notFoundExit, notFound := 127, "not found"
	if runtime.GOOS == "windows" {
		notFoundExit, notFound = 9009, "internal or external command"
	}
	// A valid document, with the planted secrets.
	valid := `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + plantedSecret + `","SessionToken":"` + plantedToken + `"}`
	tests := []struct {
		name      string
		spec      helperSpec // what the producer does
		line      string     // a line for the shell that runs no producer, if set
		opts      func(*provider.Options)
		check     func(t *testing.T, err error)
		wantInErr string
	}{
		{
			name: "non-zero exit keeps stderr",
			spec: helperSpec{Stderr: "Login required. Run aws sso login\n", Exit: 2},
			check: func(t *testing.T, err error) {
				var pe *provider.ProcessError
				if !errors.As(err, &pe) || pe.ExitCode != 2 || !strings.Contains(pe.Stderr, "Login required") {
					t.Errorf("error = %#v; want *ProcessError with exit 2 and the stderr text", err)
				}
			},
			wantInErr: "Login required",
		},
		{
			name: "command not found",
			line: "credprocess-missing-producer --profile dev",
			check: func(t *testing.T, err error) {
				var pe *provider.ProcessError
				if !errors.As(err, &pe) || pe.ExitCode != notFoundExit {
					t.Errorf("error = %v; want *ProcessError with exit %d", err, notFoundExit)
				}
			},
			wantInErr: notFound,
		},
		{
			name: "hung command hits the timeout",
			spec: helperSpec{Sleep: time.Minute},
			opts: func(o *provider.Options) { o.Timeout = 200 * time.Millisecond },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("error = %v; want context.DeadlineExceeded", err)
				}
			},
			wantInErr: "timed out",
		},
		{
			name: "output over the limit",
			spec: helperSpec{Stdout: strings.Repeat("x", 5000)},
			opts: func(o *provider.Options) { o.MaxOutputBytes = 4096 },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, provider.ErrOutputTooLarge) {
					t.Errorf("error = %v; want ErrOutputTooLarge", err)
				}
			},
			wantInErr: "exceeded 4096 bytes",
		},
		{
			name: "output breaks the spec",
			spec: helperSpec{Stderr: "Warning: banner\n",
				Stdout: `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + plantedSecret + `","Expiration":"2030-01-01T00:00:00"}` + "\n"},
			check: func(t *testing.T, err error) {
				var oe *provider.OutputError
				if !errors.As(err, &oe) || oe.Field != "Expiration" || !strings.Contains(oe.Stderr, "banner") {
					t.Errorf("error = %v; want *OutputError naming Expiration, with stderr", err)
				}
			},
			wantInErr: "no time zone",
		},
		{
			name: "expired on arrival",
			spec: helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"` + plantedSecret + `","SessionToken":"` + plantedToken + `","Expiration":"2020-01-01T00:00:00Z"}` + "\n"},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, provider.ErrExpired) {
					t.Errorf("error = %v; want ErrExpired", err)
				}
			},
			wantInErr: "expired at 2020-01-01T00:00:00Z",
		},
		{
			name: "exit 1 with valid JSON and the JSON echoed to stderr",
			spec: helperSpec{Stdout: valid + "\n", Stderr: "debug: " + valid + "\n", Exit: 1},
			check: func(t *testing.T, err error) {
				var pe *provider.ProcessError
				if !errors.As(err, &pe) || pe.ExitCode != 1 {
					t.Errorf("error = %v; want *ProcessError with exit 1", err)
				}
			},
			wantInErr: "[redacted]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*provider.Options)
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			log := &recorder{}
			opts = append(opts, func(o *provider.Options) { o.Logger = log })
			line := tt.line
			if line == "" {
				line = quoted(helper(t, tt.spec))
			}
			_, err := provider.New(line, opts...).Retrieve(context.Background())
			if err == nil {
				t.Fatal("Retrieve() error = nil")
			}
			tt.check(t, err)
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("Error() = %q; want it to contain %q", err, tt.wantInErr)
			}
			assertNoSecret(t, err, log.all())
		})
	}
}

// assertNoSecret fails if the planted secret key or token shows in any
// rendering of v or in the log lines.
func assertNoSecret(t *testing.T, v any, logs []string) {
	t.Helper()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, v)
		if strings.Contains(s, plantedSecret) || strings.Contains(s, plantedToken) {
			t.Errorf("Sprintf(%q) holds a planted secret: %s", verb, s)
		}
	}
	for _, line := range logs {
		if strings.Contains(line, plantedSecret) || strings.Contains(line, plantedToken) {
			t.Errorf("log line holds a planted secret: %s", line)
		}
	}
}

func TestProviderLogsWithoutSecrets(t *testing.T) {
	exe := helper(t, helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKIDPRINTED00001","SecretAccessKey":"` + plantedSecret + `","SessionToken":"` + plantedToken + `","Expiration":"` + farFuture + `"}`})
	log := &recorder{}
	p := provider.New(quoted(exe)+" --password hunter2",
		func(o *provider.Options) {
			o.Logger = log
			o.Env = append(os.Environ(), "AWS_SECRET_ACCESS_KEY="+plantedSecret)
		})
	if _, err := p.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	// How the provider itself prints: format_test.go.
	assertNoSecret(t, nil, log.all())
	for _, s := range log.all() {
		if strings.Contains(s, "hunter2") {
			t.Errorf("command arguments leaked: %s", s)
		}
	}
	if len(log.all()) == 0 {
		t.Errorf("no debug line logged for the run")
	}
}

func TestProviderSources(t *testing.T) {
	p := provider.New("true")
	if diff := cmp.Diff([]aws.CredentialSource{aws.CredentialSourceProcess}, p.ProviderSources()); diff != "" {
		t.Errorf("ProviderSources() mismatch (-want +got):\n%s", diff)
	}
}

func TestLogCommandLine(t *testing.T) {
	exe := helper(t, helperSpec{Stdout: `{"Version":1,"AccessKeyId":"AKIDLOGLINE00001","SecretAccessKey":"s"}`})
	line := quoted(exe) + " --role admin"
	for _, optIn := range []bool{false, true} {
		log := &recorder{}
		p := provider.New(line, func(o *provider.Options) {
			o.Logger = log
			o.LogCommandLine = optIn
		})
		if _, err := p.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}
		lines := strings.Join(log.all(), "\n")
		if got := strings.Contains(lines, "--role admin"); got != optIn {
			t.Errorf("LogCommandLine=%v: arguments in the log = %v; log:\n%s", optIn, got, lines)
		}
		if !strings.Contains(lines, `credential_process "`+exe+`"`) && !optIn {
			t.Errorf("log lacks the program name:\n%s", lines)
		}
	}
}
