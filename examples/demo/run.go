package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// lifetime of the minted credentials and the jitter window before expiry,
// scaled down from the usual hour and 30 minutes so the demo takes seconds.
const (
	lifetime = 10 * time.Second
	window   = 5 * time.Second
)

// demo runs the demo and returns the exit status. Stopped by a signal, it
// returns once its temporary directories are removed.
func demo() int {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	err := run(ctx)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(os.Stderr, "demo stopped: %v\n", context.Cause(ctx))
		return 1
	case err != nil:
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		return 1
	}
	fmt.Println("\nall steps behaved")
	return 0
}

// removeTemp removes a temporary directory of the demo. A producer the
// demo started can still be writing into it when a signal stops the demo,
// so a failure is tried again once it has had time to finish.
func removeTemp(dir string) {
	var err error
	for range 5 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "demo: cannot remove %s: %v\n", dir, err)
}

// key returns the n-th credential set the producer mints.
func key(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDDEMO%04d", n), fmt.Sprintf("demo-secret-%d", n), fmt.Sprintf("demo-token-%d", n)
}

// produce is the bundled credential_process command: each run mints the
// next key, valid for lifetime.
func produce(dir string) {
	counter := filepath.Join(dir, "runs")
	b, _ := os.ReadFile(counter)
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	n++
	if err := os.WriteFile(counter, []byte(strconv.Itoa(n)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	akid, secret, token := key(n)
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"Version": 1, "AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": token,
		"Expiration": time.Now().Add(lifetime).UTC().Format(time.RFC3339Nano),
	})
}

// timeline prints steps and the library's own log lines with the time since
// the start.
type timeline struct {
	mu    sync.Mutex
	start time.Time
}

func (t *timeline) printf(format string, v ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Printf("%6.2fs  %s\n", time.Since(t.start).Seconds(), fmt.Sprintf(format, v...))
}

func (t *timeline) Logf(c logging.Classification, format string, v ...any) {
	t.printf("  [%s] %s", strings.ToLower(string(c)), fmt.Sprintf(format, v...))
}

func run(ctx context.Context) error {
	// The demo must not pick up the host's AWS profile, keys or CA bundle.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	tl := &timeline{start: time.Now()}

	srv := awstest.New()
	defer srv.Close()
	for n := 1; n <= 9; n++ {
		srv.Allow(key(n))
	}
	srv.CreateBucket("demo")

	state, err := os.MkdirTemp("", "credprocess-demo")
	if err != nil {
		return err
	}
	defer removeTemp(state)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	command := shellQuote(exe) + " produce " + shellQuote(state)
	runs := func() int {
		b, _ := os.ReadFile(filepath.Join(state, "runs"))
		n, _ := strconv.Atoi(string(b))
		return n
	}

	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(srv.URL()),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		credprocess.WithCredentialProcess(command, func(o *provider.Options) {
			o.Strategy = strategy.BeforeExpiredWithJitter{Window: window, Rand: rand.New(rand.NewPCG(7, 7)).Float64}
			o.Logger = tl
		}),
	)
	if err != nil {
		return err
	}
	cfg.HTTPClient = srv.HTTPClient()
	stsClient := sts.NewFromConfig(cfg)
	s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	whoami := func() (string, error) {
		out, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", err
		}
		arn := aws.ToString(out.Arn)
		return arn[strings.LastIndexByte(arn, '/')+1:], nil
	}
	check := func(ok bool, format string, v ...any) error {
		if !ok {
			return fmt.Errorf(format, v...)
		}
		return nil
	}

	fmt.Printf("credential_process: %s produce <state dir>\nendpoint: %s (S3, STS, DynamoDB; verifies SigV4)\nstrategy: BeforeExpiredWithJitter, window %v; credentials live %v\n\n", filepath.Base(exe), srv.URL(), window, lifetime)

	// 1. The first request runs the command.
	tl.printf("STS GetCallerIdentity (cold cache)")
	fetched := time.Since(tl.start)
	first, err := whoami()
	if err != nil {
		return err
	}
	tl.printf("-> signed by %s; command runs so far: %d", first, runs())
	if err := check(first == "AKIDDEMO0001" && runs() == 1, "first request: signer %s, runs %d; want AKIDDEMO0001 and 1", first, runs()); err != nil {
		return err
	}

	// 2. Later requests are served from the cache.
	for i := range 3 {
		body := fmt.Sprintf("object %d", i)
		if _, err := s3Client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("demo"), Key: aws.String(fmt.Sprint(i)), Body: strings.NewReader(body)}); err != nil {
			return err
		}
	}
	tl.printf("S3 PutObject x3 -> cached credentials; command runs so far: %d", runs())
	if err := check(runs() == 1, "cached requests ran the command: %d runs", runs()); err != nil {
		return err
	}

	// 3. The strategy refreshes before expiry, at the moment it drew.
	held, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	tl.printf("the strategy serves them until %.2fs; they expire at about %.2fs", held.Expires.Sub(tl.start).Seconds(), (fetched + lifetime).Seconds())
	signer := first
	deadline := time.Now().Add(lifetime + time.Second)
	ahead, slowest := 0, time.Duration(0)
	for signer == first && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		start := time.Now()
		if signer, err = whoami(); err != nil {
			return err
		}
		if start.After(held.Expires) {
			ahead++
			slowest = max(slowest, time.Since(start))
		}
	}
	tl.printf("%d requests after the refresh moment were signed by %s while the command ran in the background (slowest %v)",
		ahead-1, first, slowest.Round(time.Millisecond))
	tl.printf("STS GetCallerIdentity -> signed by %s; command runs so far: %d", signer, runs())
	if err := check(signer == "AKIDDEMO0002" && runs() == 2, "refresh: signer %s, runs %d; want AKIDDEMO0002 and 2", signer, runs()); err != nil {
		return err
	}

	// 4. The endpoint revokes the key; the middleware refreshes and replays once.
	srv.Revoke(signer)
	srv.Reset()
	tl.printf("endpoint revokes %s", signer)
	replayed, err := whoami()
	if err != nil {
		return fmt.Errorf("request after revocation: %w", err)
	}
	log := srv.Requests()
	for _, r := range log {
		outcome := "ok"
		if r.ErrorCode != "" {
			outcome = fmt.Sprintf("%d %s", r.Status, r.ErrorCode)
		}
		tl.printf("  endpoint saw %s %s signed by %s: %s", r.Service, r.Operation, r.AccessKeyID, outcome)
	}
	tl.printf("STS GetCallerIdentity -> signed by %s after one replay; command runs so far: %d", replayed, runs())
	if err := check(replayed == "AKIDDEMO0003" && runs() == 3 && len(log) == 2 && log[0].ErrorCode == "InvalidClientTokenId",
		"replay: signer %s, runs %d, requests %d; want AKIDDEMO0003, 3 runs, 2 requests", replayed, runs(), len(log)); err != nil {
		return err
	}

	// 5. Two processes share one run through Options.SharedDir.
	return shareAcrossProcesses(ctx, tl, srv, exe)
}

// shareAcrossProcesses starts two processes of this program at once, each
// signing an STS call with its own config and a shared directory, and
// checks that the command ran once for both.
func shareAcrossProcesses(ctx context.Context, tl *timeline, srv *awstest.Server, exe string) error {
	state, err := os.MkdirTemp("", "credprocess-demo-shared")
	if err != nil {
		return err
	}
	defer removeTemp(state)
	tl.printf("two processes of this program start at once, sharing %s", filepath.Join(state, "cache"))
	signers := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range signers {
		wg.Go(func() {
			out, err := exec.CommandContext(ctx, exe, "share", state, srv.URL()).Output()
			signers[i], errs[i] = strings.TrimSpace(string(out)), err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sharing processes: %w", err)
	}
	b, _ := os.ReadFile(filepath.Join(state, "runs"))
	runs, _ := strconv.Atoi(string(b))
	tl.printf("-> process 1 signed with %s, process 2 with %s; command runs for both: %d", signers[0], signers[1], runs)
	if signers[0] != signers[1] || signers[0] == "" || runs != 1 {
		return fmt.Errorf("sharing: signers %q, runs %d; want one signer and 1 run", signers, runs)
	}
	return nil
}

// share is one of the two processes of shareAcrossProcesses: it signs one
// STS call against endpoint with the bundled command, sharing its runs in
// state/cache, and prints the access key that signed.
func share(state, endpoint string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(endpoint),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		credprocess.WithCredentialProcess(shellQuote(exe)+" produce "+shellQuote(state), func(o *provider.Options) {
			o.SharedDir = filepath.Join(state, "cache")
		}),
	)
	if err != nil {
		return err
	}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	fmt.Println(creds.AccessKeyID)
	return nil
}
