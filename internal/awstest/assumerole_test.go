package awstest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

const roleARN = "arn:aws:iam::123456789012:role/deploy"

func TestAssumeRole(t *testing.T) {
	srv := awstest.New()
	t.Cleanup(srv.Close)
	srv.Allow(akid, secret, token)
	ctx := context.Background()
	c := newClients(srv, akid, secret, token)

	out, err := c.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(roleARN),
		RoleSessionName: aws.String("ci-job"),
		DurationSeconds: aws.Int32(900),
		ExternalId:      aws.String("ext-1"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	roles := srv.AssumedRoles()
	if len(roles) != 1 {
		t.Fatalf("AssumedRoles() has %d entries; want 1", len(roles))
	}
	r := roles[0]
	if r.RoleARN != roleARN || r.SessionName != "ci-job" || r.ExternalID != "ext-1" || r.Caller != akid {
		t.Errorf("AssumedRoles()[0] = %+v; want role %s, session ci-job, external id ext-1, caller %s", r, roleARN, akid)
	}
	if got := aws.ToString(out.Credentials.AccessKeyId); got != r.AccessKeyID {
		t.Errorf("AccessKeyId = %q; want %q", got, r.AccessKeyID)
	}
	if ttl := time.Until(aws.ToTime(out.Credentials.Expiration)); ttl < 10*time.Minute || ttl > 16*time.Minute {
		t.Errorf("Expiration in %v; want about 15 minutes", ttl)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/deploy/ci-job"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q; want %q", got, want)
	}

	// The minted set signs, and is reported as the role.
	role := newClients(srv, aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	id, err := role.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the role: %v", err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:sts::123456789012:assumed-role/deploy/ci-job"; got != want {
		t.Errorf("Arn = %q; want %q", got, want)
	}

	// A wrong secret for the minted key fails the signature check.
	forged := newClients(srv, r.AccessKeyID, "guess", aws.ToString(out.Credentials.SessionToken))
	_, err = forged.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code := apiCode(err); code != "SignatureDoesNotMatch" {
		t.Errorf("forged secret: code %q (%v); want SignatureDoesNotMatch", code, err)
	}

	// Minted keys expire on command like any other.
	srv.Expire(r.AccessKeyID)
	_, err = role.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code := apiCode(err); code != "ExpiredToken" {
		t.Errorf("expired role: code %q (%v); want ExpiredToken", code, err)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	srv := awstest.New()
	t.Cleanup(srv.Close)
	srv.Allow(akid, secret, token)
	c := newClients(srv, akid, secret, token)
	tests := []struct {
		name string
		in   sts.AssumeRoleInput
	}{
		{"not a role", sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:user/x"), RoleSessionName: aws.String("s1")}},
		{"short duration", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(60)}},
		{"bad session name", sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("has space")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.sts.AssumeRole(context.Background(), &tt.in)
			if code := apiCode(err); code != "ValidationError" {
				t.Errorf("code %q (%v); want ValidationError", code, err)
			}
		})
	}
	if n := len(srv.AssumedRoles()); n != 0 {
		t.Errorf("%d roles minted; want 0", n)
	}
}

// The SDK's own stscreds provider works against the endpoint, unsigned
// requests are refused.
func TestAssumeRoleStscreds(t *testing.T) {
	srv := awstest.New()
	t.Cleanup(srv.Close)
	srv.Allow(akid, secret, token)
	c := newClients(srv, akid, secret, token)
	creds := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(c.sts, roleARN))
	got, err := creds.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if !got.CanExpire || got.SessionToken == "" || got.AccessKeyID != srv.AssumedRoles()[0].AccessKeyID {
		t.Errorf("Retrieve() = key %s, token set %t, CanExpire %t; want the minted key", got.AccessKeyID, got.SessionToken != "", got.CanExpire)
	}
	anon := newClients(srv, akid, secret, token, func(cfg *aws.Config) { cfg.Credentials = aws.AnonymousCredentials{} })
	_, err = anon.sts.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("s1")})
	if code := apiCode(err); code != "MissingAuthenticationToken" {
		t.Errorf("unsigned: code %q (%v); want MissingAuthenticationToken", code, err)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
