package credprocess_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// The whole setup is one option to config.LoadDefaultConfig. Here the
// command (the test binary, standing in for a broker) hands out a new key
// on every run, and a local endpoint has already expired the first one:
// the call still succeeds, replayed once with the second key.
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
		credprocess.WithCredentialProcess(rotateLine(state)),
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

// A profile's credential_process, read by the SDK's own loader, with the
// profile's region. The command is the test binary, standing in for a
// producer that prints a long-term key.
func ExampleWithProfile() {
	dir, err := os.MkdirTemp("", "profile")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config") // ~/.aws/config, or $AWS_CONFIG_FILE
	ini := `[profile dev]
region = eu-west-1
credential_process = ` + helperLine("fixed", "-key", "AKIDPROFILE") + `
`
	if err := os.WriteFile(file, []byte(ini), 0o600); err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithSharedConfigFiles([]string{file}),
		config.WithSharedCredentialsFiles([]string{}),
		credprocess.WithProfile("dev"),
	)
	if err != nil {
		log.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(creds.AccessKeyID, cfg.Region)
	// Output: AKIDPROFILE eu-west-1
}
