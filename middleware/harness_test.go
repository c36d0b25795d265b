package middleware_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// rotatingProvider hands out AKID1/token1, AKID2/token2, ... on successive
// calls, or always AKID1/token1 when same is set.
type rotatingProvider struct {
	same  bool
	calls atomic.Int64
}

func (p *rotatingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	if p.same {
		n = 1
	}
	return aws.Credentials{
		AccessKeyID:     fmt.Sprintf("AKID%d", n),
		SecretAccessKey: fmt.Sprintf("secret%d", n),
		SessionToken:    fmt.Sprintf("token%d", n),
		CanExpire:       true,
		Expires:         time.Now().Add(time.Hour),
	}, nil
}

// seen is what the fake service observed for one request.
type seen struct {
	AccessKeyID  string // "" when unsigned
	SessionToken string
	Body         string
}

// fakeService stands at the bottom of the stack and answers each request with
// the error code reject returns for its access key ("" for success).
type fakeService struct {
	reject func(akid string) string

	mu       sync.Mutex // guards requests
	requests []seen
}

func (s *fakeService) Handle(ctx context.Context, in any) (any, smithymiddleware.Metadata, error) {
	req := in.(*smithyhttp.Request).Build(ctx)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	_, cred, _ := strings.Cut(req.Header.Get("Authorization"), "Credential=")
	akid, _, _ := strings.Cut(cred, "/")
	s.mu.Lock()
	s.requests = append(s.requests, seen{akid, req.Header.Get("X-Amz-Security-Token"), string(body)})
	s.mu.Unlock()
	if code := s.reject(akid); code != "" {
		return nil, smithymiddleware.Metadata{}, &smithy.GenericAPIError{Code: code, Message: "rejected"}
	}
	return "ok", smithymiddleware.Metadata{}, nil
}

func (s *fakeService) seen() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.requests...)
}

// rejectKeys returns a reject function answering code for the listed keys.
func rejectKeys(code string, keys ...string) func(string) string {
	return func(akid string) string {
		for _, k := range keys {
			if k == akid {
				return code
			}
		}
		return ""
	}
}

// rejectAll answers code for every request.
func rejectAll(code string) func(string) string {
	return func(string) string { return code }
}

// opStack builds the Finalize shape of an SDK operation: the SDK's real Retry
// middleware, then a Signing stand-in that signs with the cache per attempt
// (GetIdentity and Signing in one), unless unsigned is set. body, if non-nil,
// is attached as the request stream.
func opStack(creds *aws.CredentialsCache, body io.Reader, unsigned bool) *smithymiddleware.Stack {
	stack := smithymiddleware.NewStack("op", smithyhttp.NewStackRequest)
	stack.Serialize.Add(smithymiddleware.SerializeMiddlewareFunc("setBody",
		func(ctx context.Context, in smithymiddleware.SerializeInput, next smithymiddleware.SerializeHandler) (
			smithymiddleware.SerializeOutput, smithymiddleware.Metadata, error,
		) {
			req := in.Request.(*smithyhttp.Request)
			req.Method = "PUT"
			req.URL.Scheme, req.URL.Host, req.URL.Path = "https", "example.test", "/"
			if body != nil {
				r, err := req.SetStream(body)
				if err != nil {
					return smithymiddleware.SerializeOutput{}, smithymiddleware.Metadata{}, err
				}
				in.Request = r
			}
			return next.HandleSerialize(ctx, in)
		}), smithymiddleware.After)
	stack.Finalize.Add(retry.NewAttemptMiddleware(retry.NewStandard(), smithyhttp.RequestCloner), smithymiddleware.After)
	stack.Finalize.Add(smithymiddleware.FinalizeMiddlewareFunc("Signing",
		func(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
			smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
		) {
			if unsigned {
				return next.HandleFinalize(ctx, in)
			}
			c, err := creds.Retrieve(ctx)
			if err != nil {
				return smithymiddleware.FinalizeOutput{}, smithymiddleware.Metadata{}, err
			}
			req := in.Request.(*smithyhttp.Request)
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+
				"/20250101/us-east-1/svc/aws4_request, SignedHeaders=host, Signature=00")
			if c.SessionToken != "" {
				req.Header.Set("X-Amz-Security-Token", c.SessionToken)
			}
			return next.HandleFinalize(ctx, in)
		}), smithymiddleware.After)
	return stack
}

// invoke runs the stack against svc after applying the stack options.
func invoke(t testing.TB, stack *smithymiddleware.Stack, svc *fakeService, opts ...func(*smithymiddleware.Stack) error) (any, error) {
	t.Helper()
	for _, fn := range opts {
		if err := fn(stack); err != nil {
			return nil, err
		}
	}
	out, _, err := smithymiddleware.DecorateHandler(svc, stack).Handle(context.Background(), struct{}{})
	return out, err
}
