package middleware_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymiddleware "github.com/aws/smithy-go/middleware"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/middleware"
	"github.com/seed-dcc28122/credprocess/provider"
)

// A key expires at the service; the next request is replayed once, signed
// by the key the command prints on its second run.
func ExampleRetryOnAuthFailure() {
	srv := awstest.New() // a local endpoint that verifies signatures
	defer srv.Close()
	srv.Allow("AKIDEXAMPLE1", "secret1", "token1")
	srv.Allow("AKIDEXAMPLE2", "secret2", "token2")

	// A producer that mints key n on its n-th run: any credential_process
	// command works here; this one is the test binary, the same on every
	// system (see producer_test.go).
	command, env, remove := mintingProducer()
	defer remove()
	creds := provider.NewArgs(command, func(o *provider.Options) { o.Env = env })

	client := sts.New(sts.Options{
		Region:       awstest.Region,
		BaseEndpoint: aws.String(srv.URL()),
		HTTPClient:   srv.HTTPClient(),
		Credentials:  creds,
		APIOptions:   []func(*smithymiddleware.Stack) error{middleware.RetryOnAuthFailure(creds)},
	})
	whoami := func() {
		out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			fmt.Println(err)
			return
		}
		arn := aws.ToString(out.Arn)
		fmt.Println("signed by", arn[strings.LastIndexByte(arn, '/')+1:])
	}

	whoami()
	srv.Expire("AKIDEXAMPLE1")
	whoami()
	for _, r := range srv.Requests() {
		outcome := "OK"
		if r.ErrorCode != "" {
			outcome = r.ErrorCode
		}
		fmt.Printf("endpoint saw %s: %d %s\n", r.AccessKeyID, r.Status, outcome)
	}
	// Output:
	// signed by AKIDEXAMPLE1
	// signed by AKIDEXAMPLE2
	// endpoint saw AKIDEXAMPLE1: 200 OK
	// endpoint saw AKIDEXAMPLE1: 403 ExpiredToken
	// endpoint saw AKIDEXAMPLE2: 200 OK
}
