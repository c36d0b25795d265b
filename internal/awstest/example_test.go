package awstest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

func Example() {
	srv := awstest.NewTLS()
	defer srv.Close()
	srv.Allow("ASIAEXAMPLE", "secret", "token")

	client := sts.NewFromConfig(aws.Config{
		Region:       awstest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("ASIAEXAMPLE", "secret", "token"),
		HTTPClient:   srv.HTTPClient(),
		BaseEndpoint: aws.String(srv.URL()),
	})
	ctx := context.Background()

	out, err := client.GetCallerIdentity(ctx, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(aws.ToString(out.Arn))

	srv.Expire("ASIAEXAMPLE")
	_, err = client.GetCallerIdentity(ctx, nil)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.ErrorCode())
	}

	for _, r := range srv.Requests() {
		fmt.Printf("%s %s %d %q\n", r.Operation, r.AccessKeyID, r.Status, r.ErrorCode)
	}
	// Output:
	// arn:aws:sts::123456789012:assumed-role/test/ASIAEXAMPLE
	// ExpiredToken
	// GetCallerIdentity ASIAEXAMPLE 200 ""
	// GetCallerIdentity ASIAEXAMPLE 403 "ExpiredToken"
}
