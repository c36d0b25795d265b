package credprocess_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// clientEnv turns the test binary into a program of its own that signs
// STS calls with WithCredentialProcess: a separate OS process, as the
// programs sharing a host's entry are. It reads commands on stdin, one a
// line, and answers each with a JSON clientReply line on stdout:
//   - call: one GetCallerIdentity;
//   - loop D: GetCallerIdentity calls for the duration D;
//   - exit.
//
// With $CLIENT_IMPL=processcreds it signs with the SDK's processcreds in
// aws.CredentialsCache instead. $CLIENT_LINE is the command,
// $CLIENT_SHARED the shared directory ("" for none), and $CLIENT_ENDPOINT
// the endpoint. With $CLIENT_DEBUG set, the provider's debug lines go to
// stderr, stamped with the time and pid.
const clientEnv = "CREDPROCESS_TEST_CLIENT"

// clientReply is a client's answer to one command.
type clientReply struct {
	Calls int            `json:"calls"`
	Codes map[string]int `json:"codes,omitempty"` // failed calls by API error code
	Err   string         `json:"err,omitempty"`   // the first other error
}

// init runs the test binary as the clientEnv client when asked.
func init() {
	if os.Getenv(clientEnv) == "" {
		return
	}
	os.Exit(runClient())
}

// runClient is the clientEnv client; it returns the exit status.
func runClient() int {
	// The producer is the test binary too: it must not become a client.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, clientEnv+"=") })
	creds := credprocess.WithCredentialProcess(os.Getenv("CLIENT_LINE"), func(o *provider.Options) {
		o.Env = env
		o.SharedDir = os.Getenv("CLIENT_SHARED")
		o.Timeout = 20 * time.Second
		if os.Getenv("CLIENT_DEBUG") != "" {
			o.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
				fmt.Fprintf(os.Stderr, "%s pid %d %s "+format+"\n", append([]any{time.Now().Format("15:04:05.000"), os.Getpid(), c}, v...)...)
			})
		}
	})
	if os.Getenv("CLIENT_IMPL") == "processcreds" {
		creds = config.WithCredentialsProvider(aws.NewCredentialsCache(processcreds.NewProviderCommand(
			processcreds.NewCommandBuilderFunc(func(ctx context.Context) (*exec.Cmd, error) {
				cmd := shellCommand(ctx, os.Getenv("CLIENT_LINE"))
				cmd.Env = env
				return cmd, nil
			}))))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(os.Getenv("CLIENT_ENDPOINT")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
		creds)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	client := sts.NewFromConfig(cfg)
	out := json.NewEncoder(os.Stdout)
	call := func(r *clientReply) {
		_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		r.Calls++
		var apiErr smithy.APIError
		switch {
		case err == nil:
		case errors.As(err, &apiErr):
			if r.Codes == nil {
				r.Codes = map[string]int{}
			}
			r.Codes[apiErr.ErrorCode()]++
		case r.Err == "":
			r.Err = err.Error()
		}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var r clientReply
		switch cmd, arg, _ := strings.Cut(in.Text(), " "); cmd {
		case "call":
			call(&r)
		case "loop":
			d, _ := time.ParseDuration(arg)
			for end := time.Now().Add(d); time.Now().Before(end); {
				call(&r)
			}
		case "exit":
			return 0
		}
		if out.Encode(r) != nil {
			return 1
		}
	}
	return 0
}

// client is a running client process.
type client struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

// startClients starts n client processes signing with line, sharing dir
// ("" for unshared), against srv.
func startClients(t *testing.T, n int, srv *awstest.Server, line, dir string, extraEnv ...string) []*client {
	t.Helper()
	var cs []*client
	for range n {
		cmd := exec.Command(testBinary)
		cmd.Env = append(os.Environ(), clientEnv+"=1", "CLIENT_LINE="+line, "CLIENT_SHARED="+dir,
			"CLIENT_ENDPOINT="+srv.URL())
		cmd.Env = append(cmd.Env, extraEnv...)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &client{cmd: cmd, in: in, out: bufio.NewScanner(stdout)}
		cs = append(cs, c)
		t.Cleanup(func() {
			c.in.Close()
			done := make(chan error, 1)
			go func() { done <- c.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("client: %v", err)
				}
			case <-time.After(proctest.Grace):
				c.cmd.Process.Kill() //nolint:errcheck // it may have exited
				<-done
				t.Errorf("client did not exit within %v", proctest.Grace)
			}
		})
	}
	return cs
}

// do sends command to each client at once and returns their replies.
func do(t *testing.T, cs []*client, command string) []clientReply {
	t.Helper()
	replies := make([]clientReply, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Go(func() {
			if _, err := fmt.Fprintln(c.in, command); err != nil {
				t.Error(err)
				return
			}
			if !c.out.Scan() {
				t.Errorf("client %d: no reply to %q", i, command)
				return
			}
			if err := json.Unmarshal(c.out.Bytes(), &replies[i]); err != nil {
				t.Errorf("client %d: reply %q: %v", i, c.out.Text(), err)
			}
		})
	}
	wg.Wait()
	return replies
}

// sharedDir returns a new directory for a shared cache.
func sharedDir(t *testing.T) string {
	t.Helper()
	return proctest.TempDir(t, "shared") + string(os.PathSeparator) + "cache"
}

// TestSharedOneRunForManyProcesses: 20 processes that need credentials at
// once, against a producer that takes 300 ms, run it once; all sign with
// the set that run printed. Unshared, each runs it.
func TestSharedOneRunForManyProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	const n = 20
	for _, tt := range []struct {
		name     string
		dir      func(*testing.T) string
		wantRuns int
	}{
		{"shared", sharedDir, 1},
		{"unshared", func(*testing.T) string { return "" }, n},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := awstest.New()
			t.Cleanup(srv.Close)
			allowSessions(srv, "AKIDSHARED", n)
			line, runs := selfProducer(t, "session", "AKIDSHARED", "-delay", "300ms")
			cs := startClients(t, n, srv, line, tt.dir(t))
			for i, r := range do(t, cs, "call") {
				if len(r.Codes) > 0 || r.Err != "" {
					t.Errorf("client %d: %+v", i, r)
				}
			}
			if got := runs(); got != tt.wantRuns {
				t.Errorf("producer runs = %d; want %d", got, tt.wantRuns)
			}
			if tt.wantRuns == 1 {
				if got, want := signers(srv), map[string]int{"AKIDSHARED0001": n}; !maps.Equal(got, want) {
					t.Errorf("requests by key = %v; want %v", got, want)
				}
			}
		})
	}
}

// TestSharedShortLivedSets: five processes looping for 12 seconds on
// 3-second credentials run the producer about once per set for the host,
// not once per set per process.
func TestSharedShortLivedSets(t *testing.T) {
	if testing.Short() {
		t.Skip("loops for 12 seconds")
	}
	const n, life = 5, 3 * time.Second
	loop := 12 * time.Second
	if runtime.GOOS == "windows" {
		// Half as long under Wine, which runs the Windows binaries in CI:
		// still three sets for five processes.
		loop = 6 * time.Second
	}
	srv := awstest.New()
	t.Cleanup(srv.Close)
	allowSessions(srv, "AKIDSHORT", 100)
	line, runs := selfProducer(t, "session", "AKIDSHORT", "-life", life.String())
	cs := startClients(t, n, srv, line, sharedDir(t))
	start := time.Now()
	replies := do(t, cs, "loop "+loop.String())
	elapsed := time.Since(start)
	calls := 0
	for i, r := range replies {
		calls += r.Calls
		if len(r.Codes) > 0 || r.Err != "" {
			t.Errorf("client %d: failed calls %v %s", i, r.Codes, r.Err)
		}
	}
	// A set serves until its last tenth of a second: one run per 2.7 s
	// of the loop, plus the first. Unshared it would be one per process.
	most := int(elapsed/(life*9/10)) + 2
	t.Logf("%d processes, %d calls in %v: %d runs (at most %d allowed; unshared about %d)", n, calls, elapsed.Round(time.Millisecond), runs(), most, n*(most-1))
	if got := runs(); got > most {
		t.Errorf("producer runs = %d; want at most %d", got, most)
	}
}

// TestSharedRejection: once one process's middleware saw the host's set
// rejected, no process signs with it again: the process that saw it runs
// the command once, and the others take the new set from the entry before
// their next request, without a run.
func TestSharedRejection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	srv := awstest.New()
	t.Cleanup(srv.Close)
	allowSessions(srv, "AKIDREJ", 2)
	line, runs := selfProducer(t, "session", "AKIDREJ")
	cs := startClients(t, 4, srv, line, sharedDir(t))
	do(t, cs, "call")
	if got := runs(); got != 1 {
		t.Fatalf("producer runs = %d; want 1", got)
	}
	srv.Revoke("AKIDREJ0001")
	srv.Reset()
	if r := do(t, cs[:1], "call")[0]; len(r.Codes) > 0 || r.Err != "" {
		t.Fatalf("the first process after the rejection: %+v; want success after a replay", r)
	}
	for i, r := range do(t, cs[1:], "call") {
		if len(r.Codes) > 0 || r.Err != "" {
			t.Errorf("client %d: %+v", i+1, r)
		}
	}
	want := map[string]int{"AKIDREJ0001": 1, "AKIDREJ0002": 4} // the rejected request, its replay, the other three
	if got := signers(srv); !maps.Equal(got, want) {
		t.Errorf("requests by key after the rejection = %v; want %v", got, want)
	}
	if got := runs(); got != 2 {
		t.Errorf("producer runs = %d; want 2", got)
	}
}

// TestSharedFailure: ten processes behind a failing broker run it once per
// backoff, and each gets its failure.
func TestSharedFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 10 processes")
	}
	srv := awstest.New()
	t.Cleanup(srv.Close)
	line, runs := selfProducer(t, "fail", "AKIDFAIL")
	cs := startClients(t, 10, srv, line, sharedDir(t))
	start := time.Now()
	replies := do(t, cs, "call")
	elapsed := time.Since(start)
	for i, r := range replies {
		if !strings.Contains(r.Err, "exited with status 1") || !strings.Contains(r.Err, "broker unavailable") {
			t.Errorf("client %d error = %q; want the broker's exit 1 and its stderr", i, r.Err)
		}
	}
	// The failure backoff with nothing valid held is 2 seconds.
	most := 1 + int(elapsed/(2*time.Second))
	if got := runs(); got > most {
		t.Errorf("producer runs = %d in %v; want at most %d (one per backoff)", got, elapsed, most)
	}
}

// TestSharedRejectionBackoff: ten processes whose broker keeps returning a
// key STS rejects, each looping on STS calls, run the broker once per
// backoff interval for the host, as one process alone would.
func TestSharedRejectionBackoff(t *testing.T) {
	if testing.Short() {
		t.Skip("loops for seconds")
	}
	const n, loop = 10, 7 * time.Second
	srv := awstest.New() // knows no key
	t.Cleanup(srv.Close)
	line, runs := selfProducer(t, "fixed", "AKIDREJECTEDHOST")
	cs := startClients(t, n, srv, line, sharedDir(t))
	start := time.Now()
	replies := do(t, cs, "loop "+loop.String())
	elapsed := time.Since(start)
	calls := 0
	for i, r := range replies {
		calls += r.Calls
		if r.Err != "" || r.Codes["InvalidClientTokenId"] != r.Calls {
			t.Errorf("client %d: %d calls, rejected %v, %q; want every call rejected", i, r.Calls, r.Codes, r.Err)
		}
	}
	most := 2 + backoffsEnded(elapsed)
	t.Logf("%d processes, %d calls in %v: %d runs (at most %d allowed)", n, calls, elapsed.Round(time.Millisecond), runs(), most)
	if got := runs(); got > most {
		t.Errorf("broker runs = %d; want at most %d", got, most)
	}
}

// sharedFigures, when set, makes TestSharedStartupFigures measure what
// BENCHMARKS.md reports:
//
//	go test -run TestSharedStartupFigures -shared.figures -v .
var sharedFigures = flag.Bool("shared.figures", false, "measure runs and time for N processes needing credentials at once")

// TestSharedStartupFigures: N processes (1, 10, 50) that need credentials
// at once, from a producer that takes 100 ms: how many times it runs, and
// how long until every process has signed a call, for credprocess shared,
// credprocess unshared and the SDK's processcreds.
func TestSharedStartupFigures(t *testing.T) {
	if !*sharedFigures {
		t.Skip("figures for BENCHMARKS.md, measured with -shared.figures")
	}
	for _, n := range []int{1, 10, 50} {
		for _, impl := range []struct{ name, dir, env string }{
			{"credprocess shared", "shared", ""},
			{"credprocess unshared", "", ""},
			{"processcreds", "", "CLIENT_IMPL=processcreds"},
		} {
			t.Run(fmt.Sprintf("N=%d/%s", n, impl.name), func(t *testing.T) {
				srv := awstest.New()
				t.Cleanup(srv.Close)
				allowSessions(srv, "AKIDFIG", n)
				line, runs := selfProducer(t, "session", "AKIDFIG", "-delay", "100ms")
				dir := ""
				if impl.dir != "" {
					dir = sharedDir(t)
				}
				var extra []string
				if impl.env != "" {
					extra = append(extra, impl.env)
				}
				cs := startClients(t, n, srv, line, dir, extra...)
				start := time.Now()
				for i, r := range do(t, cs, "call") {
					if len(r.Codes) > 0 || r.Err != "" {
						t.Errorf("client %d: %+v", i, r)
					}
				}
				t.Logf("FIGURE N=%d %s: %d runs, all signed after %v", n, impl.name, runs(), time.Since(start).Round(time.Millisecond))
			})
		}
	}
}
