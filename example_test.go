package credprocess_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// The whole setup is one option to config.LoadDefaultConfig. Here the
// command hands out a new key on every run, and a local endpoint has already
// expired the first one: the call still succeeds, replayed once with the
// second key.
func ExampleWithCredentialProcess() {
	srv := awstest.New()
	defer srv.Close()
	for _, k := range [][3]string{
		{"AKIDROTATE0001", "secret1", "token1"},
		{"AKIDROTATE0002", "secret2", "token2"},
	} {
		srv.Allow(k[0], k[1], k[2])
	}
	srv.Expire("AKIDROTATE0001")
	state, err := os.MkdirTemp("", "rotate")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(state)

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		credprocess.WithCredentialProcess("sh testdata/rotate/rotate.sh "+state),
		config.WithRegion(awstest.Region),
		config.WithBaseEndpoint(srv.URL()),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		log.Fatal(err)
	}
	cfg.HTTPClient = srv.HTTPClient()

	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("account", aws.ToString(out.Account))
	for _, r := range srv.Requests() {
		result := r.ErrorCode
		if result == "" {
			result = "OK"
		}
		fmt.Println(r.AccessKeyID, result)
	}
	// Output:
	// account 123456789012
	// AKIDROTATE0001 ExpiredToken
	// AKIDROTATE0002 OK
}
