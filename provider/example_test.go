package provider_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

func ExampleNew() {
	// Any credential_process line from ~/.aws/config works here, such as
	// "aws-vault export --format=json dev" or "granted credential-process --profile dev".
	// This one runs a producer that prints a set, the same on every system.
	line, env := exampleProducer(helperSpec{Stdout: `{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "secret", "Expiration": "2099-01-01T00:00:00Z"}`})
	creds := provider.New(line, func(o *provider.Options) {
		o.Env = env
		o.Strategy = strategy.BeforeExpiredWithJitter{}
		o.Timeout = 30 * time.Second
	})

	// Pass creds to config.WithCredentialsProvider or a client's
	// Options.Credentials; here it is asked directly.
	v, err := creds.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.AccessKeyID, v.Source, v.CanExpire)
	// Output: AKIDEXAMPLE CredentialProcessProvider true
}

func ExampleProcessError() {
	// A producer that needs a login first.
	line, env := exampleProducer(helperSpec{Stderr: "Login required: run 'aws sso login'\n", Exit: 2})
	creds := provider.New(line, func(o *provider.Options) { o.Env = env })

	_, err := creds.Retrieve(context.Background())
	var pe *provider.ProcessError
	if errors.As(err, &pe) {
		fmt.Println("exit status:", pe.ExitCode)
		fmt.Println("stderr:", pe.Stderr)
	}
	// Output:
	// exit status: 2
	// stderr: Login required: run 'aws sso login'
}

func ExampleOutputError() {
	// A producer whose Expiration has no time zone.
	line, env := exampleProducer(helperSpec{Stdout: `{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "secret", "Expiration": "2099-01-01 00:00:00"}`})
	creds := provider.New(line, func(o *provider.Options) { o.Env = env })

	_, err := creds.Retrieve(context.Background())
	var oe *provider.OutputError
	if errors.As(err, &oe) {
		fmt.Printf("%s: %s\n", oe.Field, oe.Reason)
	}
	// Output: Expiration: timestamp has no time zone offset (want Z or ±hh:mm)
}
