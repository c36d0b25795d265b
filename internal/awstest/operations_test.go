package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// TestListBuckets lists buckets with the real S3 client, whose
// deserializer must accept the ListAllMyBucketsResult, and pages through
// them with its paginator.
func TestListBuckets(t *testing.T) {
	servers(t, func(t *testing.T, srv *awstest.Server) {
		ctx := context.Background()
		created := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		srv.SetClock(func() time.Time { return created })
		for _, name := range []string{"demo", "alpha", "demo-logs"} {
			srv.CreateBucket(name)
		}
		srv.SetClock(time.Now) // requests are signed at the real time
		srv.Allow(akid, secret, token)
		c := newClients(srv, akid, secret, token)

		out, err := c.s3.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			t.Fatalf("ListBuckets: %v", err)
		}
		type bucket struct {
			Name, Region string
			Created      time.Time
		}
		var got []bucket
		for _, b := range out.Buckets {
			got = append(got, bucket{aws.ToString(b.Name), aws.ToString(b.BucketRegion), aws.ToTime(b.CreationDate)})
		}
		want := []bucket{{"alpha", awstest.Region, created}, {"demo", awstest.Region, created}, {"demo-logs", awstest.Region, created}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListBuckets (-want +got):\n%s", diff)
		}
		if out.Owner == nil || aws.ToString(out.Owner.ID) == "" {
			t.Errorf("ListBuckets Owner = %+v; want an ID", out.Owner)
		}
		if out.ContinuationToken != nil {
			t.Errorf("ListBuckets ContinuationToken = %q; want none", aws.ToString(out.ContinuationToken))
		}

		var pages [][]string
		p := s3.NewListBucketsPaginator(c.s3, &s3.ListBucketsInput{Prefix: aws.String("d"), MaxBuckets: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListBuckets page %d: %v", len(pages)+1, err)
			}
			var names []string
			for _, b := range page.Buckets {
				names = append(names, aws.ToString(b.Name))
			}
			pages = append(pages, names)
			if got := aws.ToString(page.Prefix); got != "d" {
				t.Errorf("ListBuckets page %d Prefix = %q; want %q", len(pages), got, "d")
			}
		}
		if diff := cmp.Diff([][]string{{"demo"}, {"demo-logs"}}, pages); diff != "" {
			t.Errorf("ListBuckets pages with prefix d, 1 per page (-want +got):\n%s", diff)
		}

		for _, r := range srv.Requests() {
			if r.Operation != "ListBuckets" || r.Status != 200 {
				t.Errorf("request %+v; want a successful ListBuckets", r)
			}
		}
	})
}

// TestUnknownOperation checks that an operation the server does not
// emulate gets the service's own error for it, with a message naming every
// operation it does emulate.
func TestUnknownOperation(t *testing.T) {
	srv := awstest.New()
	defer srv.Close()
	srv.Allow(akid, secret, token)
	srv.CreateBucket("b")
	c := newClients(srv, akid, secret, token)
	ctx := context.Background()

	tests := []struct {
		name, service, op string
		call              func() error
		want              wantErr
	}{
		{"S3 ListObjectsV2", "s3", "", func() error {
			_, err := c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("b")})
			return err
		}, wantErr{"NotImplemented", 501}},
		{"S3 GetObjectAcl", "s3", "", func() error {
			_, err := c.s3.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("b"), Key: aws.String("k")})
			return err
		}, wantErr{"NotImplemented", 501}},
		{"STS GetSessionToken", "sts", "GetSessionToken", func() error {
			_, err := c.sts.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
			return err
		}, wantErr{"InvalidAction", 400}},
		{"DynamoDB DescribeTable", "dynamodb", "DescribeTable", func() error {
			_, err := c.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})
			return err
		}, wantErr{"UnknownOperationException", 400}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			err := tt.call()
			if got := apiErr(t, err); got != tt.want {
				t.Fatalf("error = %v; want %s %d", err, tt.want.code, tt.want.status)
			}
			var ae smithy.APIError
			errors.As(err, &ae)
			ops := awstest.Operations(tt.service)
			if len(ops) == 0 {
				t.Fatalf("Operations(%q) is empty", tt.service)
			}
			for _, op := range ops {
				if !strings.Contains(ae.ErrorMessage(), op) {
					t.Errorf("message %q does not name %s", ae.ErrorMessage(), op)
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Operation != tt.op || reqs[0].ErrorCode != tt.want.code {
				t.Errorf("Requests() = %+v; want one %q answered %s", reqs, tt.op, tt.want.code)
			}
		})
	}
}

func ExampleOperations() {
	for _, svc := range []string{"s3", "sts", "dynamodb"} {
		fmt.Println(svc, awstest.Operations(svc))
	}
	// Output:
	// s3 [ListBuckets CreateBucket HeadBucket PutObject GetObject HeadObject DeleteObject]
	// sts [GetCallerIdentity AssumeRole]
	// dynamodb [CreateTable ListTables PutItem GetItem]
}
