package credprocess_test

// The local endpoint (internal/awstest) and what the tests point at it: the
// configs a program loads, from options or from a profile, real service
// clients, the operations the replay is tried with, and the request log.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// The bucket, object and table newServer creates, and the object's content.
const (
	bucket  = "bucket"
	object  = "object"
	table   = "table"
	content = "hello, replay"
)

// newServer starts an endpoint with the bucket, object and table the
// operations use. The object is written with a setup key, and the log is
// reset afterwards.
func newServer(t testing.TB, tls bool) *awstest.Server {
	t.Helper()
	start := awstest.New
	if tls {
		start = awstest.NewTLS
	}
	srv := start()
	t.Cleanup(srv.Close)
	srv.CreateBucket(bucket)
	srv.CreateTable(table, "id")
	srv.Allow("AKIDSETUP", "setupsecret", "")
	setup := s3Client(staticConfig(srv))
	if _, err := setup.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(object), Body: strings.NewReader(content),
	}); err != nil {
		t.Fatalf("setup PutObject: %v", err)
	}
	srv.Reset()
	return srv
}

// expiredFirstKey is newServer accepting the first two keys rotate.sh
// prints, the first already expired: a program's first request, signed
// with the first run's key, is rejected, and its replay with the second
// run's key is accepted.
func expiredFirstKey(t testing.TB, tls bool) *awstest.Server {
	t.Helper()
	srv := newServer(t, tls)
	old, _, _ := rotateKey(1)
	srv.Allow(rotateKey(1))
	srv.Allow(rotateKey(2))
	srv.Expire(old)
	return srv
}

// staticConfig is a config for srv signing with the setup key newServer
// allows, without the credprocess provider.
func staticConfig(srv *awstest.Server) aws.Config {
	cfg := aws.Config{
		Region:       awstest.Region,
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   srv.HTTPClient(),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSETUP", "setupsecret", ""),
	}
	return cfg
}

// endpointOptions point a config at srv and away from the host's AWS files.
// The HTTP client is set on the loaded config instead (see pointAt).
func endpointOptions(srv *awstest.Server) []func(*config.LoadOptions) error {
	return []func(*config.LoadOptions) error{
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(srv.URL()),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	}
}

// pointAt gives cfg the server's HTTP client after loading: given to
// LoadDefaultConfig, a plain *http.Client fails the load on hosts that set
// AWS_CA_BUNDLE.
func pointAt(cfg aws.Config, srv *awstest.Server) aws.Config {
	cfg.HTTPClient = srv.HTTPClient()
	return cfg
}

// loadConfig is the documented one-line setup, pointed at srv.
func loadConfig(t testing.TB, srv *awstest.Server, command string, extra ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	opts := append(endpointOptions(srv), credprocess.WithCredentialProcess(command))
	cfg, err := config.LoadDefaultConfig(context.Background(), append(opts, extra...)...)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	return pointAt(cfg, srv)
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

// s3Client is an S3 client for cfg using path-style addressing, which the
// local endpoint serves.
func s3Client(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)...)
}

// stsClient returns an STS client loaded with opts and pointed at a new
// local endpoint, closed with the test.
func stsClient(t *testing.T, opts ...func(*config.LoadOptions) error) (*sts.Client, *awstest.Server) {
	t.Helper()
	srv := awstest.New()
	t.Cleanup(srv.Close)
	cfg, err := config.LoadDefaultConfig(context.Background(), append(endpointOptions(srv), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return sts.NewFromConfig(pointAt(cfg, srv)), srv
}

// callerIdentities makes n GetCallerIdentity calls at once and returns
// their errors.
func callerIdentities(client *sts.Client, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		})
	}
	wg.Wait()
	return errs
}

// signedBy makes one STS call with cfg and returns the access key id the
// endpoint saw.
func signedBy(t *testing.T, srv *awstest.Server, cfg aws.Config) string {
	t.Helper()
	srv.Reset()
	if _, err := sts.NewFromConfig(pointAt(cfg, srv)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("endpoint saw %d requests; want 1", len(reqs))
	}
	return reqs[0].AccessKeyID
}

// operation is one real client call and the codes awstest answers it with.
type operation struct {
	name, service, op        string
	expired, revoked, denied string
	call                     func(ctx context.Context, cfg aws.Config) error
}

// operations are the calls the replay is tried with: an S3 read, an S3
// write whose body must be sent again, STS, and DynamoDB's JSON errors.
var operations = []operation{
	{
		name: "S3 GetObject", service: "s3", op: "GetObject",
		expired: "ExpiredToken", revoked: "InvalidAccessKeyId", denied: "AccessDenied",
		call: func(ctx context.Context, cfg aws.Config) error {
			out, err := s3Client(cfg).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(object)})
			if err != nil {
				return err
			}
			defer out.Body.Close()
			got, err := io.ReadAll(out.Body)
			if err == nil && string(got) != content {
				err = fmt.Errorf("GetObject body = %q; want %q", got, content)
			}
			return err
		},
	},
	{
		name: "S3 PutObject", service: "s3", op: "PutObject",
		expired: "ExpiredToken", revoked: "InvalidAccessKeyId", denied: "AccessDenied",
		call: func(ctx context.Context, cfg aws.Config) error {
			// awstest checks the body against the signed payload hash, so
			// success also proves the replay sent the whole body.
			_, err := s3Client(cfg).PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String("upload"), Body: strings.NewReader(content),
			})
			return err
		},
	},
	{
		name: "STS GetCallerIdentity", service: "sts", op: "GetCallerIdentity",
		expired: "ExpiredToken", revoked: "InvalidClientTokenId", denied: "AccessDenied",
		call: func(ctx context.Context, cfg aws.Config) error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
	},
	{
		name: "DynamoDB GetItem", service: "dynamodb", op: "GetItem",
		expired: "ExpiredTokenException", revoked: "UnrecognizedClientException", denied: "AccessDeniedException",
		call: func(ctx context.Context, cfg aws.Config) error {
			_, err := dynamodb.NewFromConfig(cfg).GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(table),
				Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "1"}},
			})
			return err
		},
	},
}

// ignoreStatus leaves the HTTP status out of request log comparisons: the
// code is what the middleware keys on.
var ignoreStatus = cmpopts.IgnoreFields(awstest.Request{}, "Status")

// chainSetup starts an endpoint that accepts the first two keys of the
// rotating command, and loads profile of chainConfig with WithProfile.
func chainSetup(t *testing.T, profile string) (*awstest.Server, aws.Config, func() int) {
	t.Helper()
	srv := awstest.New()
	t.Cleanup(srv.Close)
	command, runs := rotateCommand(t, false)
	writeConfig(t, chainConfig(command))
	srv.Allow(rotateKey(1))
	srv.Allow(rotateKey(2))
	return srv, loadProfile(t, srv, profile), runs
}

// loadProfile loads a config for profile with WithProfile from the file
// AWS_CONFIG_FILE names (see writeConfig), pointed at srv.
func loadProfile(t *testing.T, srv *awstest.Server, profile string, extra ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL()),
		credprocess.WithProfile(profile),
	}, extra...)
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatalf("LoadDefaultConfig(WithProfile(%q)): %v", profile, err)
	}
	return cfg
}

// callerARN makes one GetCallerIdentity call and returns the ARN.
func callerARN(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

// signers counts the requests srv saw by access key.
func signers(srv *awstest.Server) map[string]int {
	m := map[string]int{}
	for _, r := range srv.Requests() {
		m[r.AccessKeyID]++
	}
	return m
}

// trace lists the requests as "Operation key code", and resets the log.
func trace(srv *awstest.Server) []string {
	var got []string
	for _, r := range srv.Requests() {
		got = append(got, strings.TrimSpace(r.Operation+" "+r.AccessKeyID+" "+r.ErrorCode))
	}
	srv.Reset()
	return got
}

// expectTrace compares the requests since the last trace with want, and
// the command's runs so far with wantRuns.
func expectTrace(t *testing.T, srv *awstest.Server, want []string, runs func() int, wantRuns int) {
	t.Helper()
	if diff := cmp.Diff(want, trace(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := runs(); n != wantRuns {
		t.Errorf("command runs = %d; want %d", n, wantRuns)
	}
}

// minted returns the access key of the nth set STS minted (1-based).
func minted(t *testing.T, srv *awstest.Server, n int) string {
	t.Helper()
	roles := srv.AssumedRoles()
	if len(roles) < n {
		t.Fatalf("STS minted %d sets; want at least %d", len(roles), n)
	}
	return roles[n-1].AccessKeyID
}
