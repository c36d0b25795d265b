package credprocess_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

func TestRetryOnAuthFailureE2ENonRewindableBody(t *testing.T) {
	// Over HTTPS the S3 client sends a body it cannot seek (unsigned payload
	// with a checksum trailer); over HTTP it would fail to hash it first.
	srv := expiredFirstKey(t, true)
	command, runs := rotateCommand(t, false)
	client := s3Client(loadConfig(t, srv, command))

	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String("upload"),
		Body:          io.MultiReader(strings.NewReader(content)), // hides Seek
		ContentLength: aws.Int64(int64(len(content))),
	})

	if got := awstest.ErrorCode(t, err); got != "ExpiredToken" {
		t.Errorf("error code = %q; want ExpiredToken (err %v)", got, err)
	}
	if got := srv.Count(); got != 1 {
		t.Errorf("requests = %d; want 1", got)
	}
	// The rejected key was still replaced, so the caller's own retry works
	// without another run.
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("upload"), Body: strings.NewReader(content),
	}); err != nil {
		t.Errorf("second PutObject: %v", err)
	}
	if got := runs(); got != 2 {
		t.Errorf("command runs = %d; want 2", got)
	}
}

func TestRetryOnAuthFailureE2EPresign(t *testing.T) {
	srv := newServer(t, false)
	srv.Allow(rotateKey(1))
	command, _ := rotateCommand(t, false)
	presigner := s3.NewPresignClient(s3Client(loadConfig(t, srv, command)))

	req, err := presigner.PresignGetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(object),
	})
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	resp, err := srv.HTTPClient().Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != content {
		t.Errorf("GET presigned URL = %d %q; want 200 %q", resp.StatusCode, body, content)
	}
	akid, _, token := rotateKey(1)
	want := []awstest.Request{{Service: "s3", Operation: "GetObject", AccessKeyID: akid, SessionToken: token, Presigned: true}}
	if diff := cmp.Diff(want, srv.Requests(), ignoreStatus); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestRetryOnAuthFailureE2EAddedTwice(t *testing.T) {
	srv := newServer(t, false)
	srv.Allow(rotateKey(1))
	srv.Allow(rotateKey(2))
	for n := 1; n <= 2; n++ {
		akid, _, _ := rotateKey(n)
		srv.Expire(akid)
	}
	command, runs := rotateCommand(t, false)
	cfg := loadConfig(t, srv, command)
	again := middleware.RetryOnAuthFailure(cfg.Credentials.(*aws.CredentialsCache))
	client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.APIOptions = append(o.APIOptions, again) })

	_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})

	if got := awstest.ErrorCode(t, err); got != "ExpiredToken" {
		t.Errorf("error code = %q; want ExpiredToken (err %v)", got, err)
	}
	if got := srv.Count(); got != 2 {
		t.Errorf("requests = %d; want 2", got)
	}
	if got := runs(); got != 2 {
		t.Errorf("command runs = %d; want 2", got)
	}
}

// TestWithCredentialProcessTwice checks that the later option wins for the
// credentials and the middleware alike, so the replay refreshes the cache the
// client signs with.
func TestWithCredentialProcessTwice(t *testing.T) {
	srv := expiredFirstKey(t, false)
	first, firstRuns := rotateCommand(t, false)
	second, secondRuns := rotateCommand(t, false)
	cfg := loadConfig(t, srv, first, credprocess.WithCredentialProcess(second))

	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := firstRuns(); got != 0 {
		t.Errorf("first command runs = %d; want 0", got)
	}
	if got := secondRuns(); got != 2 {
		t.Errorf("second command runs = %d; want 2", got)
	}
}

func TestWithCredentialProcessOptions(t *testing.T) {
	srv := newServer(t, false)
	command, _ := rotateCommand(t, false)
	cfg := loadConfig(t, srv, command)

	if _, ok := cfg.Credentials.(*aws.CredentialsCache); !ok {
		t.Errorf("Credentials is %T; want *aws.CredentialsCache, so that no second cache hides invalidation", cfg.Credentials)
	}
	var finalize []string
	capture := func(s *smithymiddleware.Stack) error { finalize = s.Finalize.List(); return nil }
	client := sts.NewFromConfig(cfg, func(o *sts.Options) { o.APIOptions = append(o.APIOptions, capture) })
	srv.Allow(rotateKey(1))
	if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	i := slices.Index(finalize, middleware.RetryOnAuthFailureID)
	if i < 0 || i+1 >= len(finalize) || finalize[i+1] != "Retry" {
		t.Errorf("Finalize = %q; want %s immediately before Retry", finalize, middleware.RetryOnAuthFailureID)
	}
}

// countingRetryer counts the retry-quota tokens the retry loop asks for.
type countingRetryer struct {
	aws.RetryerV2
	retryTokens atomic.Int64
}

func (r *countingRetryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	r.retryTokens.Add(1)
	return r.RetryerV2.GetRetryToken(ctx, opErr)
}

func TestRetryOnAuthFailureE2ERetryQuota(t *testing.T) {
	srv := expiredFirstKey(t, false)
	command, _ := rotateCommand(t, false)
	r := &countingRetryer{RetryerV2: retry.NewStandard()}
	cfg := loadConfig(t, srv, command, config.WithRetryer(func() aws.Retryer { return r }))

	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if got := srv.Count(); got != 2 {
		t.Errorf("requests = %d; want 2", got)
	}
	if got := r.retryTokens.Load(); got != 0 {
		t.Errorf("retry tokens drawn = %d; want 0", got)
	}
}
