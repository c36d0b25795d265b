package awstest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	maxSkew      = 15 * time.Minute
	maxExpires   = 7 * 24 * time.Hour
)

// signature is what a request claims about its SigV4 signature, from the
// Authorization header or, for presigned URLs, the query.
type signature struct {
	present       bool // Authorization header or X-Amz-Credential query parameter seen
	presigned     bool
	accessKeyID   string
	region        string
	service       string
	signedHeaders []string
	value         string // hex signature
	time          time.Time
	expires       time.Duration // presigned only
	token         string        // X-Amz-Security-Token as sent
}

var errMalformed = errors.New("awstest: malformed signature")

func parseSignature(r *http.Request) (signature, error) {
	var sig signature
	q := r.URL.Query()
	auth := r.Header.Get("Authorization")
	var scope, date string
	switch {
	case auth != "":
		sig.present = true
		sig.token = r.Header.Get("X-Amz-Security-Token")
		rest, ok := strings.CutPrefix(auth, sigAlgorithm+" ")
		if !ok {
			return sig, errMalformed
		}
		for part := range strings.SplitSeq(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				scope = v
			case "SignedHeaders":
				sig.signedHeaders = strings.Split(v, ";")
			case "Signature":
				sig.value = v
			}
		}
		date = r.Header.Get("X-Amz-Date")
	case q.Has("X-Amz-Credential"):
		sig.present, sig.presigned = true, true
		sig.token = q.Get("X-Amz-Security-Token")
		scope = q.Get("X-Amz-Credential")
		sig.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
		sig.value = q.Get("X-Amz-Signature")
		date = q.Get("X-Amz-Date")
		secs, err := strconv.Atoi(q.Get("X-Amz-Expires"))
		if q.Get("X-Amz-Algorithm") != sigAlgorithm || err != nil || secs < 1 {
			return sig, errMalformed
		}
		sig.expires = time.Duration(secs) * time.Second
	default:
		return sig, nil
	}

	// Credential=AKID/YYYYMMDD/region/service/aws4_request
	parts := strings.Split(scope, "/")
	if len(parts) == 5 {
		sig.accessKeyID, sig.region, sig.service = parts[0], parts[2], parts[3]
	}
	t, err := time.Parse(amzDateFmt, date)
	if len(parts) != 5 || parts[4] != "aws4_request" || sig.value == "" || err != nil {
		return sig, errMalformed
	}
	sig.time = t
	return sig, nil
}

// guessService routes requests that carry no usable credential scope, so
// that they still get the right service's error format.
func guessService(r *http.Request) string {
	switch {
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_"):
		return "dynamodb"
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		return "sts"
	}
	return "s3"
}

// authenticate decides whether a request is accepted, and if not, which
// failure to report. Checks run in the order AWS appears to apply them:
// the key and token are looked up before the signature is checked, and
// authorization comes last.
func (s *Server) authenticate(r *http.Request, body []byte, sig signature, sigErr error) (errKind, bool) {
	switch {
	case !sig.present:
		return errUnsigned, false
	case sigErr != nil:
		return errMalformedAuth, false
	case sig.region != Region:
		return errWrongRegion, false
	}

	s.mu.Lock()
	k, ok := s.keys[sig.accessKeyID]
	s.mu.Unlock()
	switch {
	case !ok:
		return errUnknownKey, false
	case sig.token != k.token:
		return errInvalidToken, false
	case k.state == keyExpired:
		return errExpired, false
	}

	now := s.now()
	switch {
	case sig.time.After(now.Add(maxSkew)):
		return errSkewed, false
	case sig.presigned && sig.expires > maxExpires:
		return errMalformedAuth, false
	case sig.presigned && now.After(sig.time.Add(sig.expires)):
		return errPresignExpired, false
	case !sig.presigned && sig.time.Before(now.Add(-maxSkew)):
		return errSkewed, false
	}

	if !verify(r, body, sig, k.secret) {
		return errBadSignature, false
	}
	if k.state == keyDenied {
		return errDenied, false
	}
	return 0, true
}

// verify re-signs a copy of the request with the SDK's signer and compares
// signatures. Only the headers named in SignedHeaders are copied, because
// the Go transport adds headers after signing (Accept-Encoding) and the
// signer would otherwise sign them too.
func verify(r *http.Request, body []byte, sig signature, secret string) bool {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+r.Host+r.RequestURI, nil)
	if err != nil {
		return false
	}
	req.Host = r.Host
	for _, name := range sig.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			if v, ok := r.Header[textproto.CanonicalMIMEHeaderKey(name)]; ok {
				req.Header[textproto.CanonicalMIMEHeaderKey(name)] = slices.Clone(v)
			}
		}
	}

	// No session token: the signer would overwrite the token the request
	// carried with ours; the token was compared in authenticate.
	creds := aws.Credentials{AccessKeyID: sig.accessKeyID, SecretAccessKey: secret}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		// S3 signs the path as sent; other services escape it once more.
		o.DisableURIPathEscaping = sig.service == "s3"
	})

	var got string
	if sig.presigned {
		q := req.URL.Query()
		q.Del("X-Amz-Signature")
		req.URL.RawQuery = q.Encode()
		hash := q.Get("X-Amz-Content-Sha256")
		if hash == "" && sig.service == "s3" {
			hash = "UNSIGNED-PAYLOAD"
		} else if hash == "" {
			hash = sha256Hex(body)
		}
		signed, _, err := signer.PresignHTTP(r.Context(), creds, req, hash, sig.service, sig.region, sig.time)
		if err != nil {
			return false
		}
		u, err := url.Parse(signed)
		if err != nil {
			return false
		}
		got = u.Query().Get("X-Amz-Signature")
	} else {
		hash := r.Header.Get("X-Amz-Content-Sha256")
		if hash == "" {
			hash = sha256Hex(body)
		}
		if err := signer.SignHTTP(r.Context(), creds, req, hash, sig.service, sig.region, sig.time); err != nil {
			return false
		}
		_, got, _ = strings.Cut(req.Header.Get("Authorization"), "Signature=")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(sig.value)) == 1
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
