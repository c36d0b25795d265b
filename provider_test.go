package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"go.uber.org/goleak"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// producerBin is testdata/producer, built once for the package.
var producerBin string

func TestMain(m *testing.M) {
	// The host's AWS settings (a profile, static keys, a CA bundle) must not
	// reach config.LoadDefaultConfig in these tests.
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AWS_") {
			os.Unsetenv(name)
		}
	}
	dir, err := os.MkdirTemp("", "credprocess-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	producerBin = filepath.Join(dir, "producer")
	if out, err := exec.Command("go", "build", "-o", producerBin, "./testdata/producer").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build producer: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		// Tests close their servers, response bodies and idle connections
		// and wait for their runs: whatever still runs now is a leak, SDK
		// and HTTP goroutines included.
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left behind: %v\n", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// clientConfig is what a program does: config.LoadDefaultConfig with the
// credprocess provider, pointed at the local endpoint.
func clientConfig(t *testing.T, srv *awstest.Server, creds aws.CredentialsProvider, opts ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	opts = append([]func(*config.LoadOptions) error{
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(srv.URL()),
		config.WithHTTPClient(srv.HTTPClient()),
		config.WithCredentialsProvider(creds),
	}, opts...)
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestClientsSignWithProcessCredentials: real S3, STS and DynamoDB clients,
// configured through config.LoadDefaultConfig, sign with what the command
// printed, and the command runs once for all of them.
func TestClientsSignWithProcessCredentials(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			start := awstest.New
			if tls {
				start = awstest.NewTLS
			}
			srv := start()
			defer srv.Close()
			srv.Allow("AKIDE2E", "e2e-secret", "e2e-token")
			srv.CreateBucket("bucket")
			srv.CreateTable("table", "id")

			count := filepath.Join(t.TempDir(), "runs")
			creds := provider.New(fmt.Sprintf("%q -key AKIDE2E -secret e2e-secret -token e2e-token -count %q", producerBin, count))
			cfg := clientConfig(t, srv, creds)
			if cfg.Credentials != creds {
				t.Fatalf("LoadDefaultConfig wrapped the cache: got %T", cfg.Credentials)
			}
			ctx := context.Background()

			stsClient := sts.NewFromConfig(cfg)
			id, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatalf("GetCallerIdentity: %v", err)
			}
			if !strings.HasSuffix(aws.ToString(id.Arn), "AKIDE2E") {
				t.Errorf("GetCallerIdentity Arn = %q; want it signed by AKIDE2E", aws.ToString(id.Arn))
			}

			s3Client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3Client.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("bucket"), Key: aws.String("k"), Body: strings.NewReader("hello"),
			}); err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			obj, err := s3Client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("k")})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			obj.Body.Close()

			ddb := dynamodb.NewFromConfig(cfg)
			item := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}
			if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("table"), Item: item}); err != nil {
				t.Fatalf("PutItem: %v", err)
			}
			if _, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("table"), Key: item}); err != nil {
				t.Fatalf("GetItem: %v", err)
			}

			for _, r := range srv.Requests() {
				if r.AccessKeyID != "AKIDE2E" || r.SessionToken != "e2e-token" || r.ErrorCode != "" {
					t.Errorf("request %s %s: key %q token %q error %q; want AKIDE2E, e2e-token, success",
						r.Service, r.Operation, r.AccessKeyID, r.SessionToken, r.ErrorCode)
				}
			}
			if got := proctest.Runs(t, count); got != 1 {
				t.Errorf("command ran %d times for %d requests; want 1", got, srv.Count())
			}
		})
	}
}

// TestConcurrentRequestsRunTheCommandOnce: a hundred goroutines making their
// first request at once wait for a single run of a slow command.
func TestConcurrentRequestsRunTheCommandOnce(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDHERD", "herd-secret", "")

	count := filepath.Join(t.TempDir(), "runs")
	creds := provider.New(fmt.Sprintf("%q -key AKIDHERD -secret herd-secret -token '' -delay 300ms -count %q", producerBin, count))
	client := sts.NewFromConfig(clientConfig(t, srv, creds))

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
	}
	if got := proctest.Runs(t, count); got != 1 {
		t.Errorf("command ran %d times for 100 concurrent requests; want 1", got)
	}
	if got := srv.Count(); got != 100 {
		t.Errorf("endpoint saw %d requests; want 100", got)
	}
}

// TestCommandFailureReachesTheCaller: the error a client returns carries
// the command's exit status and stderr.
func TestCommandFailureReachesTheCaller(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	creds := provider.New(`echo "The SSO session has expired. Run aws sso login" >&2; exit 255`)
	_, err := sts.NewFromConfig(clientConfig(t, srv, creds)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})

	var pe *provider.ProcessError
	if !errors.As(err, &pe) || pe.ExitCode != 255 || !strings.Contains(err.Error(), "Run aws sso login") {
		t.Fatalf("GetCallerIdentity error = %v; want a *provider.ProcessError with exit 255 and the stderr text", err)
	}
	if srv.Count() != 0 {
		t.Errorf("endpoint saw %d requests; want none without credentials", srv.Count())
	}
}
