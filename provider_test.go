package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

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

			count := filepath.Join(proctest.TempDir(t, "producer"), "runs")
			creds := provider.New(helperLine("print", "-key", "AKIDE2E", "-secret", "e2e-secret", "-token", "e2e-token", "-count", count))
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
// first request at once wait for a single run of a slow command: 300 ms,
// 50 ms with -short.
func TestConcurrentRequestsRunTheCommandOnce(t *testing.T) {
	delay := "300ms"
	if testing.Short() {
		delay = "50ms"
	}
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDHERD", "herd-secret", "")

	count := filepath.Join(proctest.TempDir(t, "producer"), "runs")
	creds := provider.New(helperLine("print", "-key", "AKIDHERD", "-secret", "herd-secret", "-token", "", "-delay", delay, "-count", count))
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
	creds := provider.New(helperLine("fail", "-exit", "255", "-stderr", "The SSO session has expired. Run aws sso login"))
	_, err := sts.NewFromConfig(clientConfig(t, srv, creds)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})

	var pe *provider.ProcessError
	if !errors.As(err, &pe) || pe.ExitCode != 255 || !strings.Contains(err.Error(), "Run aws sso login") {
		t.Fatalf("GetCallerIdentity error = %v; want a *provider.ProcessError with exit 255 and the stderr text", err)
	}
	if srv.Count() != 0 {
		t.Errorf("endpoint saw %d requests; want none without credentials", srv.Count())
	}
}
