package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-dcc28122/credprocess/internal/profiles"
)

// assumeChecks returns the checks --assume adds for chain: one AssumeRole
// per role, in the order they are assumed, then GetCallerIdentity.
func assumeChecks(profile string, chain profiles.Chain) []check {
	var cs []check
	for _, role := range chain.Roles() {
		cs = append(cs, check{Name: fmt.Sprintf("STS AssumeRole for profile %q", role.Profile), Profile: role.Profile})
	}
	return append(cs, check{Name: fmt.Sprintf("STS GetCallerIdentity with the credentials of profile %q", profile), Profile: profile})
}

// stsOutcome is what the STS calls of --assume found: the identity, or
// the call that failed (its index among the calls) with why.
type stsOutcome struct {
	identity string // the ARN GetCallerIdentity gave
	endpoint string // where the last request went: scheme and host
	failed   int    // -1 when every call succeeded
	code     string // AWS's error code, when AWS answered with one
	detail   string
}

// assume assumes the roles of chain in turn, starting from creds, the
// command's credentials, as the SDK's chain for profile does, then calls
// GetCallerIdentity with the last credentials. Its STS clients are
// configured as config.LoadDefaultConfig configures them for profile:
// region, AWS_ENDPOINT_URL_STS or the profile's endpoint_url and services
// section, retries, CA bundle. With interactive, a role with mfa_serial
// asks for its code on stderr and reads it from a.stdin.
func (a app) assume(ctx context.Context, profile string, chain profiles.Chain, creds aws.Credentials, interactive bool, stderr io.Writer) stsOutcome {
	var endpoint atomic.Pointer[string]
	lo := &config.LoadOptions{
		SharedConfigProfile: profile,
		APIOptions:          []func(*smithymiddleware.Stack) error{recordEndpoint(&endpoint)},
	}
	if interactive {
		lo.AssumeRoleCredentialOptions = a.mfaPrompt(stderr)
	}
	// The secrets in play, kept out of whatever the endpoint answers.
	secrets := []string{creds.SecretAccessKey, creds.SessionToken}
	out := stsOutcome{failed: -1}
	fail := func(i int, err error) stsOutcome {
		out.failed = i
		out.code, out.detail = stsFailure(err)
		out.detail = redactSecrets(out.detail, secrets)
		if p := endpoint.Load(); p != nil {
			out.endpoint = *p
		}
		return out
	}

	source := aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: creds})
	// The config of every STS client below, loaded once; the credentials
	// keep the SDK from resolving the profile's chain, which would run the
	// command again.
	client := profiles.NewSTS("check", lo)
	cfg, err := client.Config(ctx, source)
	if err != nil {
		return fail(0, err)
	}
	if cfg.Region == "" {
		return fail(0, fmt.Errorf("no region for STS: set region in profile %q or AWS_REGION (the SDK's chain fails the same way)", profile))
	}

	roles := chain.Roles()
	for i, role := range roles {
		got, err := client.AssumeRole(role, source).Retrieve(ctx)
		if err != nil {
			return fail(i, err)
		}
		secrets = append(secrets, got.SecretAccessKey, got.SessionToken)
		source = aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: got})
	}
	id, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.Credentials = source }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fail(len(roles), err)
	}
	out.identity = aws.ToString(id.Arn)
	if p := endpoint.Load(); p != nil {
		out.endpoint = *p
	}
	return out
}

// recordEndpoint returns a stack option that keeps the scheme and host of
// each request in last, to show where the calls went.
func recordEndpoint(last *atomic.Pointer[string]) func(*smithymiddleware.Stack) error {
	return func(stack *smithymiddleware.Stack) error {
		return stack.Finalize.Add(smithymiddleware.FinalizeMiddlewareFunc("CheckRecordEndpoint",
			func(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok && req.URL != nil {
					u := (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host}).String()
					last.Store(&u)
				}
				return next.HandleFinalize(ctx, in)
			}), smithymiddleware.After)
	}
}

// mfaPrompt returns AssumeRole options that ask for the code of a role
// with mfa_serial on stderr and read it from a.stdin, a line at a time.
func (a app) mfaPrompt(stderr io.Writer) func(*stscreds.AssumeRoleOptions) {
	in := bufio.NewReader(a.stdin)
	return func(o *stscreds.AssumeRoleOptions) {
		if o.SerialNumber == nil {
			return
		}
		serial := *o.SerialNumber
		o.TokenProvider = func() (string, error) {
			fmt.Fprintf(stderr, "MFA code for %s: ", shown(serial))
			line, err := in.ReadString('\n')
			if code := strings.TrimSpace(line); code != "" {
				return code, nil
			}
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return "", fmt.Errorf("no MFA code read: %w", err)
		}
	}
}

// stsFailure says why an STS call failed: AWS's error code and message,
// and the HTTP status, when AWS answered.
func stsFailure(err error) (code, detail string) {
	var (
		ae     smithy.APIError
		re     *awshttp.ResponseError
		send   *smithyhttp.RequestSendError
		oe     *smithy.OperationError
		noMFA  config.AssumeRoleTokenProviderNotSetError
		status string
	)
	if errors.As(err, &re) {
		status = fmt.Sprintf(" (HTTP %d)", re.HTTPStatusCode())
	}
	switch {
	case errors.As(err, &noMFA):
		return "", "the role needs an MFA code (mfa_serial): run check with --interactive to type one"
	case errors.As(err, &ae):
		detail = ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			detail += ": " + m
		}
		return ae.ErrorCode(), detail + status
	case errors.As(err, &send):
		return "", "could not reach STS: " + send.Err.Error()
	case errors.As(err, &oe):
		// The check's name says which operation it was.
		return "", plain(oe.Err)
	}
	return "", plain(err)
}

// redactSecrets replaces every secret of secrets in s: an endpoint's
// message can quote the request it refused, security token included.
func redactSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 8 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
