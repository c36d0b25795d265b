package awstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

func s3GetInput(bucket, key string) *s3.GetObjectInput {
	return &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
}

// fetch sends a presigned request the way a browser or curl would: only
// the URL and the headers the presigner says were signed.
func fetch(t *testing.T, srv *awstest.Server, method, url string, signed http.Header, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range signed {
		if k != "Host" {
			req.Header[k] = v
		}
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPresign(t *testing.T) {
	servers(t, func(t *testing.T, srv *awstest.Server) {
		ctx := context.Background()
		srv.Allow(akid, secret, token)
		srv.CreateBucket("b")
		presign := s3.NewPresignClient(newClients(srv, akid, secret, token).s3)

		put, err := presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("p")})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := fetch(t, srv, put.Method, put.URL, put.SignedHeader, "presigned body"); status != 200 {
			t.Fatalf("presigned PUT = %d %s; want 200", status, body)
		}
		get, err := presign.PresignGetObject(ctx, s3GetInput("b", "p"), s3.WithPresignExpires(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if status, body := fetch(t, srv, get.Method, get.URL, get.SignedHeader, ""); status != 200 || body != "presigned body" {
			t.Errorf("presigned GET = %d %q; want 200 %q", status, body, "presigned body")
		}
		tampered := strings.Replace(get.URL, "/b/p?", "/b/other?", 1)
		if status, body := fetch(t, srv, get.Method, tampered, get.SignedHeader, ""); status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
			t.Errorf("tampered presigned GET = %d %s; want 403 SignatureDoesNotMatch", status, body)
		}
		srv.SetClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
		if status, body := fetch(t, srv, get.Method, get.URL, get.SignedHeader, ""); status != 403 || !strings.Contains(body, "Request has expired") {
			t.Errorf("expired presigned GET = %d %s; want 403 Request has expired", status, body)
		}

		var want []awstest.Request
		for _, r := range []struct {
			op, code string
			status   int
		}{{"PutObject", "", 200}, {"GetObject", "", 200}, {"GetObject", "SignatureDoesNotMatch", 403}, {"GetObject", "AccessDenied", 403}} {
			want = append(want, awstest.Request{Service: "s3", Operation: r.op, AccessKeyID: akid, SessionToken: token, Presigned: true, ErrorCode: r.code, Status: r.status})
		}
		if diff := cmp.Diff(want, srv.Requests()); diff != "" {
			t.Errorf("Requests() (-want +got):\n%s", diff)
		}
	})
}

func TestClockSkew(t *testing.T) {
	srv := awstest.NewTLS()
	defer srv.Close()
	srv.Allow(akid, secret, token)
	srv.SetClock(func() time.Time { return time.Now().Add(20 * time.Minute) })
	ctx := context.Background()

	c := newClients(srv, akid, secret, token)
	_, s3Err := c.s3.GetObject(ctx, s3GetInput("b", "k"))
	_, stsErr := c.sts.GetCallerIdentity(ctx, nil)
	_, ddbErr := c.ddb.ListTables(ctx, nil)
	got := []wantErr{apiErr(t, s3Err), apiErr(t, stsErr), apiErr(t, ddbErr)}
	want := []wantErr{{"RequestTimeTooSkewed", 403}, {"SignatureDoesNotMatch", 403}, {"InvalidSignatureException", 400}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(wantErr{})); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}

	// With retries, the client learns the offset from the Date header and
	// re-signs the second attempt.
	srv.Reset()
	c = newClients(srv, akid, secret, token, func(cfg *aws.Config) { cfg.RetryMaxAttempts = 3 })
	if _, err := c.sts.GetCallerIdentity(ctx, nil); err != nil {
		t.Errorf("GetCallerIdentity with retries: %v", err)
	}
	if got := srv.Count(); got != 2 {
		t.Errorf("Count() = %d; want 2", got)
	}
}

func TestNotFound(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow(akid, secret, token)
	srv.CreateBucket("b")
	srv.CreateTable("t", "pk")
	c := newClients(srv, akid, secret, token)
	ctx := context.Background()

	var noKey *s3types.NoSuchKey
	if _, err := c.s3.GetObject(ctx, s3GetInput("b", "missing")); !errors.As(err, &noKey) {
		t.Errorf("GetObject(missing key) error = %v; want *types.NoSuchKey", err)
	}
	// GetObject does not model NoSuchBucket; it arrives as a generic error.
	if _, err := c.s3.GetObject(ctx, s3GetInput("nobucket", "k")); apiErr(t, err) != (wantErr{"NoSuchBucket", 404}) {
		t.Errorf("GetObject(missing bucket) error = %v; want NoSuchBucket 404", err)
	}
	if _, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String("missing")}); apiErr(t, err) != (wantErr{"NotFound", 404}) {
		t.Errorf("HeadObject(missing) error = %v; want NotFound 404", err)
	}
	var noTable *ddbtypes.ResourceNotFoundException
	if _, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("none"), Key: ddbKey("k")}); !errors.As(err, &noTable) {
		t.Errorf("GetItem(missing table) error = %v; want *types.ResourceNotFoundException", err)
	}
	out, err := c.ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: ddbKey("missing")})
	if err != nil || out.Item != nil {
		t.Errorf("GetItem(missing item) = %v, %v; want no item, no error", out, err)
	}
}

// TestConcurrent is meant for -race: requests, key changes and log reads
// all at once.
func TestConcurrent(t *testing.T) {
	srv := awstest.NewTLS()
	defer srv.Close()
	srv.Allow(akid, secret, token)
	c := newClients(srv, akid, secret, token)
	const workers, calls = 8, 10

	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range calls {
				_, err := c.sts.GetCallerIdentity(context.Background(), nil)
				if err != nil && apiErr(t, err).code != "ExpiredToken" {
					t.Errorf("GetCallerIdentity: %v", err)
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			if i%2 == 0 {
				srv.Expire(akid)
			} else {
				srv.Allow(akid, secret, token)
			}
			_ = srv.Requests()
		}
	})
	wg.Wait()
	if got := srv.Count(); got != workers*calls {
		t.Errorf("Count() = %d; want %d", got, workers*calls)
	}
}
