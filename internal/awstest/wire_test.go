package awstest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// rawRequest sends a request signed with the SDK's signer (unsigned when
// creds has no key), for checking bytes on the wire that the clients hide.
func rawRequest(t *testing.T, srv *awstest.Server, service, method, path string, hdr http.Header, body []byte, creds aws.Credentials) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if creds.AccessKeyID != "" {
		hash := req.Header.Get("X-Amz-Content-Sha256")
		if hash == "" {
			sum := sha256.Sum256(body)
			hash = hex.EncodeToString(sum[:])
		}
		signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
		if err := signer.SignHTTP(context.Background(), creds, req, hash, service, awstest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestErrorWireFormat(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow(akid, secret, token)
	srv.Expire(akid)
	creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token}

	tests := []struct {
		name, service, method, path string
		hdr                         http.Header
		body                        string
		status                      int
		headers                     []string // must be present
		contentType                 string
		bodyRE                      string
	}{
		{"s3", "s3", "GET", "/b/k", http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, "", 400,
			[]string{"X-Amz-Request-Id", "X-Amz-Id-2", "Date"}, "application/xml",
			`^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message><Token-0>test-token</Token-0><RequestId>[0-9A-F]{16}</RequestId><HostId>[0-9a-f]+</HostId></Error>$`},
		{"sts", "sts", "POST", "/", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "Action=GetCallerIdentity&Version=2011-06-15", 403,
			[]string{"X-Amzn-Requestid", "Date"}, "text/xml",
			`^<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`},
		{"dynamodb", "dynamodb", "POST", "/", http.Header{"X-Amz-Target": {"DynamoDB_20120810.ListTables"}, "Content-Type": {"application/x-amz-json-1.0"}}, "{}", 400,
			[]string{"X-Amzn-Requestid", "X-Amz-Crc32", "Date"}, "application/x-amz-json-1.0",
			`^\{"__type":"com.amazon.coral.service#ExpiredTokenException","message":"The security token included in the request is expired"\}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, srv, tt.service, tt.method, tt.path, tt.hdr, []byte(tt.body), creds)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d; want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type = %q; want %q", got, tt.contentType)
			}
			for _, h := range tt.headers {
				if resp.Header.Get(h) == "" {
					t.Errorf("header %s missing", h)
				}
			}
			if !regexp.MustCompile(tt.bodyRE).MatchString(body) {
				t.Errorf("body = %s; want match for %s", body, tt.bodyRE)
			}
			if crc := resp.Header.Get("X-Amz-Crc32"); crc != "" && crc != strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10) {
				t.Errorf("X-Amz-Crc32 = %s; does not match the body", crc)
			}
		})
	}
}

func TestS3Payload(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIALONGTERM", secret, "")
	srv.CreateBucket("b")
	creds := aws.Credentials{AccessKeyID: "AKIALONGTERM", SecretAccessKey: secret}
	hashOf := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	chunked := func(trailer string) http.Header {
		return http.Header{
			"X-Amz-Content-Sha256":         {"STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
			"Content-Encoding":             {"aws-chunked"},
			"X-Amz-Decoded-Content-Length": {"5"},
			"X-Amz-Trailer":                {trailer},
		}
	}

	tests := []struct {
		name   string
		hdr    http.Header
		body   string
		status int
		code   string // in the body; "" for success
	}{
		{"hashed", http.Header{"X-Amz-Content-Sha256": {hashOf("hello")}}, "hello", 200, ""},
		{"body differs from signed hash", http.Header{"X-Amz-Content-Sha256": {hashOf("hello")}}, "world", 400, "XAmzContentSHA256Mismatch"},
		{"unsigned payload", http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, "hello", 200, ""},
		{"crc32 header mismatch", http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}, "X-Amz-Checksum-Crc32": {"AAAAAA=="}}, "hello", 400, "BadDigest"},
		{"aws-chunked", chunked("x-amz-checksum-crc32"), "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", 200, ""},
		{"aws-chunked bad trailer", chunked("x-amz-checksum-crc32"), "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", 400, "BadDigest"},
		{"aws-chunked truncated", chunked("x-amz-checksum-crc32"), "5\r\nhel", 400, "IncompleteBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			resp, body := rawRequest(t, srv, "s3", "PUT", "/b/k", tt.hdr, []byte(tt.body), creds)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d; want %d; body %s", resp.StatusCode, tt.status, body)
			}
			want := []awstest.Request{{Service: "s3", Operation: "PutObject", AccessKeyID: "AKIALONGTERM", ErrorCode: tt.code, Status: tt.status}}
			if diff := cmp.Diff(want, srv.Requests()); diff != "" {
				t.Errorf("Requests() (-want +got):\n%s", diff)
			}
			if tt.code != "" {
				return
			}
			resp, body = rawRequest(t, srv, "s3", "GET", "/b/k", http.Header{"X-Amz-Content-Sha256": {"UNSIGNED-PAYLOAD"}}, nil, creds)
			if resp.StatusCode != 200 || body != "hello" {
				t.Errorf("GetObject = %d %q; want 200 %q", resp.StatusCode, body, "hello")
			}
		})
	}
}

func TestUnsigned(t *testing.T) {
	servers(t, func(t *testing.T, srv *awstest.Server) {
		c := newClients(srv, "", "", "", func(cfg *aws.Config) { cfg.Credentials = aws.AnonymousCredentials{} })
		ctx := context.Background()
		_, s3Err := c.s3.GetObject(ctx, s3GetInput("b", "k"))
		_, stsErr := c.sts.GetCallerIdentity(ctx, nil)
		_, ddbErr := c.ddb.ListTables(ctx, nil)
		got := []wantErr{apiErr(t, s3Err), apiErr(t, stsErr), apiErr(t, ddbErr)}
		want := []wantErr{{"AccessDenied", 403}, {"MissingAuthenticationToken", 403}, {"MissingAuthenticationTokenException", 400}}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(wantErr{})); diff != "" {
			t.Errorf("errors (-want +got):\n%s", diff)
		}
		wantLog := []awstest.Request{
			{Service: "s3", Operation: "GetObject", ErrorCode: "AccessDenied", Status: 403},
			{Service: "sts", Operation: "GetCallerIdentity", ErrorCode: "MissingAuthenticationToken", Status: 403},
			{Service: "dynamodb", Operation: "ListTables", ErrorCode: "MissingAuthenticationTokenException", Status: 400},
		}
		if diff := cmp.Diff(wantLog, srv.Requests()); diff != "" {
			t.Errorf("Requests() (-want +got):\n%s", diff)
		}
	})
}
