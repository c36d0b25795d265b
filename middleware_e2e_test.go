package credprocess_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
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
	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

const (
	bucket  = "bucket"
	object  = "object"
	table   = "table"
	content = "hello, replay"
)

// rotateKey returns the credentials testdata/rotate/rotate.sh prints on its
// nth run.
func rotateKey(n int) (akid, secret, token string) {
	return fmt.Sprintf("AKIDROTATE%04d", n), "secret" + strconv.Itoa(n), "token" + strconv.Itoa(n)
}

// rotateCommand returns a credential_process line running the rotating
// fixture with its state in a new directory, and a function reporting how
// many times it has run.
func rotateCommand(t testing.TB, same bool) (command string, runs func() int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the rotating fixture is a POSIX shell script")
	}
	script, err := filepath.Abs("testdata/rotate/rotate.sh")
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	command = fmt.Sprintf("sh '%s' '%s'", script, state)
	if same {
		command += " same"
	}
	return command, func() int { return proctest.Count(t, filepath.Join(state, "count")) }
}

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

func staticConfig(srv *awstest.Server) aws.Config {
	cfg := aws.Config{
		Region:       awstest.Region,
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   srv.HTTPClient(),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSETUP", "setupsecret", ""),
	}
	return cfg
}

func s3Client(cfg aws.Config, optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)...)
}

// operation is one real client call and the codes awstest answers it with.
type operation struct {
	name, service, op        string
	expired, revoked, denied string
	call                     func(ctx context.Context, cfg aws.Config) error
}

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

func TestRetryOnAuthFailureE2E(t *testing.T) {
	allow := func(srv *awstest.Server, ns ...int) {
		for _, n := range ns {
			srv.Allow(rotateKey(n))
		}
	}
	key := func(n int) string { akid, _, _ := rotateKey(n); return akid }
	tests := []struct {
		name     string
		same     bool // the command keeps printing the rejected key
		setup    func(srv *awstest.Server)
		attempts func(op operation) []string // error code per attempt, "" for success
		wantErr  func(op operation) string
		wantRuns int
	}{
		{
			name:     "expired once replays with the new key",
			setup:    func(srv *awstest.Server) { allow(srv, 1, 2); srv.Expire(key(1)) },
			attempts: func(op operation) []string { return []string{op.expired, ""} },
			wantErr:  func(operation) string { return "" },
			wantRuns: 2,
		},
		{
			name:     "unknown key replays with the new key",
			setup:    func(srv *awstest.Server) { allow(srv, 2) },
			attempts: func(op operation) []string { return []string{op.revoked, ""} },
			wantErr:  func(operation) string { return "" },
			wantRuns: 2,
		},
		{
			name:     "rejected always replays once",
			setup:    func(srv *awstest.Server) { allow(srv, 1, 2); srv.Expire(key(1)); srv.Expire(key(2)) },
			attempts: func(op operation) []string { return []string{op.expired, op.expired} },
			wantErr:  func(op operation) string { return op.expired },
			wantRuns: 2,
		},
		{
			name:     "access denied runs nothing and does not replay",
			setup:    func(srv *awstest.Server) { allow(srv, 1); srv.Deny(key(1)) },
			attempts: func(op operation) []string { return []string{op.denied} },
			wantErr:  func(op operation) string { return op.denied },
			wantRuns: 1,
		},
		{
			name:     "same key from the command is not replayed",
			same:     true,
			setup:    func(srv *awstest.Server) { allow(srv, 1); srv.Expire(key(1)) },
			attempts: func(op operation) []string { return []string{op.expired} },
			wantErr:  func(op operation) string { return op.expired },
			wantRuns: 2,
		},
	}
	for _, tt := range tests {
		for _, op := range operations {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				srv := newServer(t, false)
				tt.setup(srv)
				command, runs := rotateCommand(t, tt.same)
				cfg := loadConfig(t, srv, command)

				err := op.call(context.Background(), cfg)

				if got, want := awstest.ErrorCode(t, err), tt.wantErr(op); got != want {
					t.Errorf("error code = %q; want %q (err %v)", got, want, err)
				}
				var want []awstest.Request
				for i, code := range tt.attempts(op) {
					n := i + 1
					if tt.same {
						n = 1
					}
					akid, _, token := rotateKey(n)
					want = append(want, awstest.Request{Service: op.service, Operation: op.op,
						AccessKeyID: akid, SessionToken: token, ErrorCode: code})
				}
				if diff := cmp.Diff(want, srv.Requests(), ignoreStatus); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
				if got := runs(); got != tt.wantRuns {
					t.Errorf("command runs = %d; want %d", got, tt.wantRuns)
				}
			})
		}
	}
}
