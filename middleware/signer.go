package middleware

import (
	"context"
	"strings"

	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-dcc28122/credprocess/internal/served"
)

// recordSignerID is the ID of the Finalize middleware that sits after the
// SDK's "Signing" middleware and remembers which credentials signed a failed
// attempt.
const recordSignerID = "CredprocessRecordSigner"

// signerKey is the metadata key under which recordSigner stores a signer.
type signerKey struct{}

// signer identifies the credentials that signed one attempt by the digest
// of their access key and session token: the secret is not on the request
// and is not needed, and the token must not sit in the operation's
// metadata, which a program may print.
type signer = served.Set

// recordSigner reads the identity off the signed request instead of from the
// SDK's stack values: the key under which GetIdentity stores the identity is
// unexported, and only the signed headers prove that the attempt was signed
// at all (an unsigned operation such as AssumeRoleWithWebIdentity has no
// Authorization header and must never cause a refresh).
//
// It writes into the returned metadata, and only on error or while a cache's
// rejection backoff is on (a success then ends it), so the success path
// allocates nothing. The Retry middleware returns the metadata of the last
// attempt, which is the attempt whose error the outer middleware sees.
type recordSigner struct {
	m *retryOnAuthFailure // the outer middleware installed with it
}

var _ smithymiddleware.FinalizeMiddleware = recordSigner{}

// ID implements [smithymiddleware.FinalizeMiddleware].
func (recordSigner) ID() string { return recordSignerID }

// HandleFinalize implements [smithymiddleware.FinalizeMiddleware].
func (r recordSigner) HandleFinalize(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
	smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
) {
	out, md, err := next.HandleFinalize(ctx, in)
	if err == nil && !r.m.backoffOn() {
		return out, md, err
	}
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return out, md, err
	}
	akid := credentialAccessKey(req.Header.Get("Authorization"))
	if akid == "" {
		return out, md, err
	}
	md.Set(signerKey{}, served.SetOf(akid, req.Header.Get("X-Amz-Security-Token")))
	return out, md, err
}

// credentialAccessKey returns the access key of a SigV4 or SigV4a
// Authorization header ("<alg> Credential=AKID/<scope>, SignedHeaders=...,
// Signature=..."), or "" if the header has no credential.
func credentialAccessKey(auth string) string {
	const field = "Credential="
	i := strings.Index(auth, field)
	if i < 0 {
		return ""
	}
	rest := auth[i+len(field):]
	j := strings.IndexByte(rest, '/')
	if j <= 0 {
		return ""
	}
	return rest[:j]
}

// getSigner returns the signer recordSigner stored in md.
func getSigner(md smithymiddleware.Metadata) (signer, bool) {
	s, ok := md.Get(signerKey{}).(signer)
	return s, ok
}
