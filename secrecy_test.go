package credprocess_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// TestSecrecyMiddleware drives every decision of the replay middleware
// through real clients, with Debug loggers on the provider and the
// middleware: a replay, a refresh that returns the rejected key, a body
// that cannot be rewound, and a refresh that fails. Neither the results,
// the errors nor the log lines may give a secret away.
func TestSecrecyMiddleware(t *testing.T) {
	srv := awstest.NewTLS()
	defer srv.Close()
	srv.CreateBucket(bucket)
	for n := 1; n <= 3; n++ {
		srv.Allow(flakyKey(n))
	}
	srv.Allow("AKIDFAULTOK", faultSecret, faultToken)
	srv.Expire("AKIDFAULTOK")
	srv.Expire("AKIDFLAKY00001")

	plog, mlog := &logRecorder{}, &logRecorder{}
	client := func(command string) aws.Config {
		creds := provider.New(command, func(o *provider.Options) { o.Logger = plog })
		cfg, err := config.LoadDefaultConfig(context.Background(), append(endpointOptions(srv),
			config.WithCredentialsProvider(creds),
			config.WithAPIOptions([]func(*smithymiddleware.Stack) error{middleware.RetryOnAuthFailure(creds,
				func(o *middleware.Options) { o.Logger = mlog })}))...)
		if err != nil {
			t.Fatal(err)
		}
		return pointAt(cfg, srv)
	}
	ctx := context.Background()
	var results []any

	// A replay with the next key.
	flaky, state := flakyCommand(t, time.Hour)
	cfg := client(flaky)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with a replay: %v", err)
	}
	results = append(results, out, out.ResultMetadata)

	// A body that cannot be rewound: the key is refreshed, the call is not
	// replayed.
	srv.Expire("AKIDFLAKY00002")
	_, err = s3Client(cfg).PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("k"),
		Body: io.MultiReader(strings.NewReader(content)), ContentLength: aws.Int64(int64(len(content))),
	})
	results = append(results, err)
	// The refreshed key is accepted, which ends the rejection backoff.
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity with the refreshed key: %v", err)
	}

	// A refresh that fails.
	srv.Expire("AKIDFLAKY00003")
	writeFile(t, filepath.Join(state, "fail"), "")
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	results = append(results, err)

	// A refresh that returns the rejected key again.
	same := client(helperLine("cat", faults+"ok.json"))
	_, err = sts.NewFromConfig(same).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	results = append(results, err)

	for i, r := range results {
		assertSecretFree(t, fmt.Sprintf("result %d", i), r, nil)
	}
	assertSecretFree(t, "provider log", nil, plog.all())
	assertSecretFree(t, "middleware log", nil, mlog.all())
	for _, want := range []string{"replaying", "cannot be rewound", "refresh failed", "returned the rejected credentials"} {
		if !strings.Contains(strings.Join(mlog.all(), "\n"), want) {
			t.Errorf("no middleware log line says %q; lines:\n%s", want, strings.Join(mlog.all(), "\n"))
		}
	}
}

// TestSecrecyPrintedValues prints every exported type of the module that
// can hold a secret or a command line, after use, with every verb.
//
// The *aws.CredentialsCache that provider.New returns is the SDK's type and
// is left out: printing it reads its atomics and mutex unsynchronised, and
// under %s or %q fmt dumps the structs behind its unexported pointers, the
// cached secret key and the Provider's command line included.
func TestSecrecyPrintedValues(t *testing.T) {
	command := helperLine("cat", faults+"ok.json", "--secret", faultSecret)
	log := &logRecorder{}
	opts := provider.Options{
		Strategy:           strategy.BeforeExpiredWithJitter{Window: time.Minute},
		Timeout:            faultTimeout,
		MinRefreshInterval: time.Second,
		Logger:             log,
	}
	setOpts := func(o *provider.Options) { *o = opts }

	if _, err := provider.New(command, setOpts).Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	parsed, err := execjson.Parse([]byte(strings.ReplaceAll(mustRead(t, faults+"ok.json"), "2099", "2100")), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{
		"provider.Options":                   opts,
		"*provider.Options":                  &opts,
		"strategy.Func":                      strategy.Func(func(exp, _ time.Time) time.Time { return exp }),
		"strategy.AfterExpired":              strategy.AfterExpired{},
		"strategy.BeforeExpiredWithJitter":   opts.Strategy,
		"middleware.Options":                 middleware.Options{Codes: middleware.DefaultCodes(), Logger: log},
		"execjson.Credentials":               parsed,
		"execjson.Result":                    execjson.Result{Stdout: []byte(mustRead(t, faults+"ok.json"))},
		"*provider.ProcessError (no stdout)": &provider.ProcessError{Program: "cat", ExitCode: 1},
		"*provider.OutputError":              &provider.OutputError{Program: "cat", Field: "Version", Reason: "missing"},
	}
	for name, v := range values {
		assertSecretFree(t, name, v, nil)
	}
	assertSecretFree(t, "provider log", nil, log.all())
}

// TestSecrecyCacheVerbs prints the SDK's cache holding credentials with
// the verbs the README lists, alone and inside an aws.Config with every
// verb. The verbs the README calls safe for the cache must keep the secret
// key and the session token out; the verbs it warns of must print both,
// or the SDK changed and the README's warning is out of date.
//
// fmt reads the cache's mutex and atomics unsynchronised, and the cache's
// singleflight goroutine still unlocks its mutex after Retrieve returned:
// the bubble's Wait lets that goroutine end, and orders its writes before
// the printing.
func TestSecrecyCacheVerbs(t *testing.T) {
	safe, unsafe := readmeCacheVerbs(t)
	// Flags change nothing: fmt prints the address, or dumps the fields.
	safe = append(safe, "%20v", "%#x")
	unsafe = append(unsafe, "%y") // "every other verb"
	synctest.Test(t, func(t *testing.T) { testCacheVerbs(t, safe, unsafe) })
}

// readmeCacheVerbs returns the verbs the README says print the cache
// safely, and those it says print the secret key and the session token.
func readmeCacheVerbs(t *testing.T) (safe, unsafe []string) {
	t.Helper()
	text := strings.Join(strings.Fields(mustRead(t, "README.md")), " ")
	m := regexp.MustCompile(`Print the cache itself only with (.+?) \(they print addresses\); (.+?) and every other verb print the secret key and the session token`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README no longer lists the verbs that print the cache safely and those that print its secrets")
	}
	verbs := func(s string) []string {
		var vs []string
		for _, v := range regexp.MustCompile("`(%[^`]+)`").FindAllStringSubmatch(s, -1) {
			vs = append(vs, v[1])
		}
		return vs
	}
	safe, unsafe = verbs(m[1]), verbs(m[2])
	if len(safe) == 0 || len(unsafe) == 0 {
		t.Fatalf("README lists %d safe and %d unsafe verbs for the cache; want some of each", len(safe), len(unsafe))
	}
	return safe, unsafe
}

func testCacheVerbs(t *testing.T, safe, unsafe []string) {
	cache := provider.New(helperLine("cat", faults+"ok.json"))
	if _, err := cache.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	holds := func(s string) (secret, token bool) {
		return strings.Contains(s, faultSecret), strings.Contains(s, faultToken)
	}
	for _, verb := range safe {
		if secret, token := holds(fmt.Sprintf(verb, cache)); secret || token {
			t.Errorf("Sprintf(%q, cache) holds the secret key (%v) or the session token (%v); the README calls %s safe for the cache",
				verb, secret, token, verb)
		}
	}
	// The trap the README warns of.
	for _, verb := range unsafe {
		if secret, token := holds(fmt.Sprintf(verb, cache)); !secret || !token {
			t.Errorf("Sprintf(%q, cache) no longer prints the secret key and the session token: the SDK changed, and the README's warning about %s is out of date",
				verb, verb)
		}
	}
	for _, verb := range append(safe, unsafe...) {
		if secret, token := holds(fmt.Sprintf(verb, aws.Config{Credentials: cache})); secret || token {
			t.Errorf("Sprintf(%q, aws.Config) holds the secret key (%v) or the session token (%v); the README calls an aws.Config safe with every verb",
				verb, secret, token)
		}
	}
}

// TestSecrecyStderrWarnings fails background refreshes with the secrets
// echoed to stderr across the excerpt's cuts and in escaped forms, while
// the first run's credentials are held, and checks the warnings.
func TestSecrecyStderrWarnings(t *testing.T) {
	type row struct {
		name           string
		at, total      int
		stdout, stderr string
		labelled       int // 1 + the index of a form of proctest.LabelledSecrets, run instead of echo-at
	}
	tests := []row{
		{name: "the reported producer", at: 2040, total: 4097, stdout: "plain", stderr: "plain"},
		{name: "secret key across the first cut", at: cutAt(execjson.StderrExcerpt, 0), total: 6144, stdout: "plain", stderr: "plain"},
		{name: "session token across the last cut", at: cutAt(6144-execjson.StderrExcerpt, 1), total: 6144, stdout: "plain", stderr: "plain"},
		{name: "escaped on stdout, decoded on stderr", stdout: "slashes", stderr: "plain"},
		{name: "env lines, nothing on stdout", stdout: "none", stderr: "env"},
	}
	for i, l := range proctest.LabelledSecrets(faultSecret, faultToken) {
		tests = append(tests, row{name: "labelled as printed by " + l.Name + ", nothing on stdout", labelled: i + 1})
	}
	// 10 ms after the fetch: the failing refreshes come at once, rather
	// than at the provider's 5-second floor.
	refreshAt := func(_, now time.Time) time.Time { return now.Add(10 * time.Millisecond) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			state := proctest.TempDir(t, "echo-at")
			log := &logRecorder{}
			command := echoAt(state, tt.at, tt.total, tt.stdout, tt.stderr)
			if tt.labelled > 0 {
				command = labelledCommand(tt.labelled-1, state)
			}
			creds := provider.New(command,
				func(o *provider.Options) {
					o.Strategy = strategy.Func(refreshAt)
					o.MinRefreshInterval = 10 * time.Millisecond
					o.Timeout = faultTimeout
					o.Logger = log
				})
			ctx := context.Background()
			warned := func() bool {
				for _, line := range log.all() {
					if strings.HasPrefix(line, string(logging.Warn)) {
						return true
					}
				}
				return false
			}
			for deadline := time.Now().Add(grace); !warned(); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no warning %v after the refreshes began to fail; log:\n%s", grace, strings.Join(log.all(), "\n"))
				}
				if _, err := creds.Retrieve(ctx); err != nil {
					t.Fatalf("Retrieve() error = %v; want the held credentials", err)
				}
			}
			assertSecretFree(t, tt.name, nil, log.all())
		})
	}
}
