package awstest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

const (
	akid   = "ASIATESTKEY"
	secret = "test-secret"
	token  = "test-token"
)

// servers runs f against a plain-HTTP and an HTTPS server, because the S3
// client encodes PutObject bodies differently over each.
func servers(t *testing.T, f func(t *testing.T, srv *awstest.Server)) {
	for _, tc := range []struct {
		name string
		new  func() *awstest.Server
	}{{"http", awstest.New}, {"https", awstest.NewTLS}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.new()
			t.Cleanup(srv.Close)
			f(t, srv)
		})
	}
}

type clients struct {
	s3  *s3.Client
	sts *sts.Client
	ddb *dynamodb.Client
}

// newClients builds real SDK clients signing with the given key. Retries
// are off so that every call is exactly one request. The checksum settings
// are what config.LoadDefaultConfig resolves to; a bare aws.Config leaves
// them unset, and then S3 sends no checksum at all.
func newClients(srv *awstest.Server, id, sec, tok string, optFns ...func(*aws.Config)) clients {
	cfg := aws.Config{
		Region:                     awstest.Region,
		Credentials:                credentials.NewStaticCredentialsProvider(id, sec, tok),
		HTTPClient:                 srv.HTTPClient(),
		BaseEndpoint:               aws.String(srv.URL()),
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	for _, fn := range optFns {
		fn(&cfg)
	}
	return clients{
		s3:  s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		sts: sts.NewFromConfig(cfg),
		ddb: dynamodb.NewFromConfig(cfg),
	}
}

func ddbKey(v string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: v}}
}

func TestSuccess(t *testing.T) {
	servers(t, func(t *testing.T, srv *awstest.Server) {
		ctx := context.Background()
		srv.Allow(akid, secret, token)
		c := newClients(srv, akid, secret, token)
		body := []byte("hello, object")

		if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b")}); err != nil {
			t.Fatalf("CreateBucket: %v", err)
		}
		if _, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1"), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		get, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1")})
		if err != nil {
			t.Fatalf("GetObject: %v", err)
		}
		got, _ := io.ReadAll(get.Body)
		get.Body.Close()
		if diff := cmp.Diff(body, got); diff != "" {
			t.Errorf("GetObject body (-want +got):\n%s", diff)
		}
		// The client validated the body against this while reading it.
		if got, want := aws.ToString(get.ChecksumCRC32), "gbG+Fw=="; got != want {
			t.Errorf("GetObject ChecksumCRC32 = %q; want %q", got, want)
		}
		head, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("dir/k 1")})
		if err != nil {
			t.Fatalf("HeadObject: %v", err)
		}
		if got := aws.ToInt64(head.ContentLength); got != int64(len(body)) {
			t.Errorf("HeadObject ContentLength = %d; want %d", got, len(body))
		}

		id, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity: %v", err)
		}
		if arn := aws.ToString(id.Arn); !strings.HasSuffix(arn, "/"+akid) || aws.ToString(id.Account) != awstest.AccountID {
			t.Errorf("GetCallerIdentity = %s, %s; want ARN ending in /%s, account %s", arn, aws.ToString(id.Account), akid, awstest.AccountID)
		}

		srv.CreateTable("t", "pk")
		item := map[string]ddbtypes.AttributeValue{
			"pk":  &ddbtypes.AttributeValueMemberS{Value: "k1"},
			"val": &ddbtypes.AttributeValueMemberN{Value: "42"},
		}
		if _, err := c.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
			t.Fatalf("PutItem: %v", err)
		}
		gi, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: ddbKey("k1")})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		if diff := cmp.Diff(item, gi.Item, cmpopts.IgnoreUnexported(ddbtypes.AttributeValueMemberS{}, ddbtypes.AttributeValueMemberN{})); diff != "" {
			t.Errorf("GetItem (-want +got):\n%s", diff)
		}
		lt, err := c.ddb.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		if diff := cmp.Diff([]string{"t"}, lt.TableNames); diff != "" {
			t.Errorf("ListTables (-want +got):\n%s", diff)
		}

		var want []awstest.Request
		for _, op := range []struct{ svc, op string }{
			{"s3", "CreateBucket"}, {"s3", "PutObject"}, {"s3", "GetObject"}, {"s3", "HeadObject"},
			{"sts", "GetCallerIdentity"}, {"dynamodb", "PutItem"}, {"dynamodb", "GetItem"}, {"dynamodb", "ListTables"},
		} {
			want = append(want, awstest.Request{Service: op.svc, Operation: op.op, AccessKeyID: akid, SessionToken: token, Status: 200})
		}
		if diff := cmp.Diff(want, srv.Requests()); diff != "" {
			t.Errorf("Requests() (-want +got):\n%s", diff)
		}
	})
}

// wantErr is the error a client call should surface.
type wantErr struct {
	code   string
	status int
}

func apiErr(t *testing.T, err error) wantErr {
	t.Helper()
	var ae smithy.APIError
	var re *smithyhttp.ResponseError
	if !errors.As(err, &ae) || !errors.As(err, &re) {
		t.Fatalf("error %v: not an APIError with a response", err)
	}
	return wantErr{ae.ErrorCode(), re.HTTPStatusCode()}
}

func TestAuthFailures(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*awstest.Server)
		id, secret string
		token      string
		s3, sts    wantErr
		ddb        wantErr
		head       wantErr // S3 HEAD errors carry no body; the client derives the code from the status
	}{
		{"expired", func(s *awstest.Server) { s.Expire(akid) }, akid, secret, token,
			wantErr{"ExpiredToken", 400}, wantErr{"ExpiredToken", 403}, wantErr{"ExpiredTokenException", 400}, wantErr{"BadRequest", 400}},
		{"revoked", func(s *awstest.Server) { s.Revoke(akid) }, akid, secret, token,
			wantErr{"InvalidAccessKeyId", 403}, wantErr{"InvalidClientTokenId", 403}, wantErr{"UnrecognizedClientException", 400}, wantErr{"Forbidden", 403}},
		{"denied", func(s *awstest.Server) { s.Deny(akid) }, akid, secret, token,
			wantErr{"AccessDenied", 403}, wantErr{"AccessDenied", 403}, wantErr{"AccessDeniedException", 400}, wantErr{"Forbidden", 403}},
		{"unknown key", nil, "AKIANEVERSEEN", secret, "",
			wantErr{"InvalidAccessKeyId", 403}, wantErr{"InvalidClientTokenId", 403}, wantErr{"UnrecognizedClientException", 400}, wantErr{"Forbidden", 403}},
		{"wrong token", nil, akid, secret, "other-token",
			wantErr{"InvalidToken", 400}, wantErr{"InvalidClientTokenId", 403}, wantErr{"UnrecognizedClientException", 400}, wantErr{"BadRequest", 400}},
		{"missing token", nil, akid, secret, "",
			wantErr{"InvalidToken", 400}, wantErr{"InvalidClientTokenId", 403}, wantErr{"UnrecognizedClientException", 400}, wantErr{"BadRequest", 400}},
		{"token on long-term key", func(s *awstest.Server) { s.Allow("AKIALONGTERM", secret, "") }, "AKIALONGTERM", secret, token,
			wantErr{"InvalidToken", 400}, wantErr{"InvalidClientTokenId", 403}, wantErr{"UnrecognizedClientException", 400}, wantErr{"BadRequest", 400}},
		{"bad secret", nil, akid, "wrong-secret", token,
			wantErr{"SignatureDoesNotMatch", 403}, wantErr{"SignatureDoesNotMatch", 403}, wantErr{"InvalidSignatureException", 400}, wantErr{"Forbidden", 403}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			servers(t, func(t *testing.T, srv *awstest.Server) {
				ctx := context.Background()
				srv.Allow(akid, secret, token)
				srv.CreateBucket("b")
				srv.CreateTable("t", "pk")
				if tt.setup != nil {
					tt.setup(srv)
				}
				c := newClients(srv, tt.id, tt.secret, tt.token)
				bucket, k := aws.String("b"), aws.String("k")

				calls := []struct {
					op   string
					want wantErr
					call func() error
				}{
					{"PutObject", tt.s3, func() error {
						_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: k, Body: strings.NewReader("data")})
						return err
					}},
					{"GetObject", tt.s3, func() error { _, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: k}); return err }},
					{"HeadObject", tt.head, func() error { _, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: k}); return err }},
					{"GetCallerIdentity", tt.sts, func() error { _, err := c.sts.GetCallerIdentity(ctx, nil); return err }},
					{"GetItem", tt.ddb, func() error {
						_, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: ddbKey("x")})
						return err
					}},
					{"ListTables", tt.ddb, func() error { _, err := c.ddb.ListTables(ctx, nil); return err }},
				}
				for _, call := range calls {
					srv.Reset()
					if got := apiErr(t, call.call()); got != call.want {
						t.Errorf("%s error = %+v; want %+v", call.op, got, call.want)
					}
					reqs := srv.Requests()
					if len(reqs) != 1 {
						t.Fatalf("%s: %d requests logged; want 1", call.op, len(reqs))
					}
					// The log records the server's code, also where HEAD
					// hides it from the client.
					if got, want := reqs[0], (awstest.Request{
						Service: reqs[0].Service, Operation: call.op, AccessKeyID: tt.id, SessionToken: tt.token,
						ErrorCode: reqs[0].ErrorCode, Status: call.want.status,
					}); got != want || got.ErrorCode == "" {
						t.Errorf("%s logged %+v; want %+v with an error code", call.op, got, want)
					}
				}
			})
		})
	}
}
