// Package awstest runs a local AWS endpoint for tests: an [httptest.Server]
// that real aws-sdk-go-v2 S3, STS and DynamoDB clients talk to.
//
// The server verifies every SigV4 signature with the SDK's own
// [github.com/aws/aws-sdk-go-v2/aws/signer/v4] signer, accepts only the keys
// given to [Server.Allow], can expire, revoke or deny a key on command, logs
// every request, and answers with the error wire formats of the real
// services, so that clients produce the same [github.com/aws/smithy-go.APIError] codes and
// HTTP statuses they would against AWS.
//
// Point clients at it with BaseEndpoint set to [Server.URL], Region set to
// [Region], HTTPClient set to [Server.HTTPClient], and for S3 UsePathStyle.
//
// The service is chosen from the SigV4 credential scope (or, for unsigned
// requests, from the shape of the request). Supported operations, as
// [Operations] lists them:
//   - s3: ListBuckets, CreateBucket, HeadBucket, PutObject, GetObject,
//     HeadObject, DeleteObject, and presigned GET/PUT URLs; path-style
//     requests only.
//   - sts: GetCallerIdentity, AssumeRole (see [Server.AssumedRoles]).
//   - dynamodb: CreateTable, ListTables, PutItem, GetItem.
//
// Any other operation gets the service's answer to an operation it does not
// know (S3 NotImplemented, STS InvalidAction, DynamoDB
// UnknownOperationException), with a message that lists these.
package awstest

import (
	"bytes"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Region is the only region the server accepts in a credential scope.
const Region = "us-east-1"

// AccountID is the account every allowed key belongs to, as reported by STS
// GetCallerIdentity.
const AccountID = "123456789012"

// operations lists what each service answers, in the order the package
// doc gives them.
var operations = map[string][]string{
	"s3":       {"ListBuckets", "CreateBucket", "HeadBucket", "PutObject", "GetObject", "HeadObject", "DeleteObject"},
	"sts":      {"GetCallerIdentity", "AssumeRole"},
	"dynamodb": {"CreateTable", "ListTables", "PutItem", "GetItem"},
}

// Operations returns the operations the server answers for service ("s3",
// "sts" or "dynamodb"), or nil for another service. S3 also accepts
// presigned GetObject and PutObject URLs.
func Operations(service string) []string { return slices.Clone(operations[service]) }

// unknownOperation is the message of the error a service answers to an
// operation the server does not emulate.
func unknownOperation(service string) string {
	names := map[string]string{"s3": "S3", "sts": "STS", "dynamodb": "DynamoDB"}
	return "awstest implements only these " + names[service] + " operations: " + strings.Join(operations[service], ", ")
}

// maxBody bounds how much of a request body the server buffers.
const maxBody = 64 << 20

// Request is one entry of the server's request log.
type Request struct {
	Service      string // "s3", "sts" or "dynamodb"
	Operation    string // e.g. "GetObject", "GetCallerIdentity", "GetItem"; "" if not recognised
	AccessKeyID  string // access key that signed the request; "" if unsigned
	SessionToken string // X-Amz-Security-Token as sent; "" if none
	Presigned    bool   // authenticated by query parameters rather than the Authorization header
	ErrorCode    string // error code answered, also for HEAD where the client sees only the status; "" on success
	Status       int    // HTTP status answered
}

type keyState int

const (
	keyActive keyState = iota
	keyExpired
	keyDenied
)

type key struct {
	secret string
	token  string
	state  keyState
}

// Server is a local AWS endpoint. Create it with [New] or [NewTLS] and stop
// it with [Server.Close]. All methods are safe for concurrent use, also
// while requests are being served.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex       // guards the fields below
	clock   func() time.Time // for signing-time checks, the Date header and Last-Modified
	keys    map[string]key
	log     []Request
	buckets map[string]*bucket
	tables  map[string]*table
	minted  map[string]AssumedRole // access key -> the AssumeRole that minted it
	roles   []AssumedRole          // every AssumeRole, in order
	serial  int                    // numbers minted keys
}

// New starts a plain-HTTP server on 127.0.0.1.
func New() *Server { return startLocal((*httptest.Server).Start) }

// Listen starts a plain-HTTP server on addr, such as 127.0.0.1:4566, for a
// fixed endpoint outside tests.
func Listen(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer()
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s, ErrorLog: quietLog}}
	s.srv.Start()
	return s, nil
}

// NewTLS starts an HTTPS server on 127.0.0.1 with a self-signed certificate
// that only [Server.HTTPClient] trusts. Over HTTPS the S3 client streams
// PutObject bodies with aws-chunked encoding and a checksum trailer, which
// plain HTTP does not exercise.
func NewTLS() *Server { return startLocal((*httptest.Server).StartTLS) }

// startLocal starts a server on 127.0.0.1 with start, Start or StartTLS.
func startLocal(start func(*httptest.Server)) *Server {
	s := newServer()
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Config.ErrorLog = quietLog
	start(s.srv)
	return s
}

// quietLog drops the TLS handshake errors logged when Close interrupts a
// connection the client's transport dialled speculatively; they are noise
// in test output. Other server errors still reach the standard logger.
var quietLog = log.New(writerFunc(func(p []byte) (int, error) {
	if !bytes.Contains(p, []byte("TLS handshake error")) {
		log.Writer().Write(p)
	}
	return len(p), nil
}), "", log.LstdFlags)

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func newServer() *Server {
	return &Server{
		clock:   time.Now,
		keys:    make(map[string]key),
		buckets: make(map[string]*bucket),
		tables:  make(map[string]*table),
		minted:  make(map[string]AssumedRole),
	}
}

// Close shuts the server down and blocks until all outstanding requests
// have completed.
func (s *Server) Close() { s.srv.Close() }

// URL returns the base endpoint, such as http://127.0.0.1:PORT, for use as
// a client's BaseEndpoint.
func (s *Server) URL() string { return s.srv.URL }

// HTTPClient returns an HTTP client that trusts the server's certificate,
// for use as aws.Config.HTTPClient or a client's HTTPClient option. It is
// the same client on every call; [Server.Close] closes its idle connections.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// Allow makes the server accept accessKeyID signed with secretAccessKey.
// A non-empty sessionToken marks temporary credentials: requests must carry
// exactly that X-Amz-Security-Token. An empty sessionToken marks a long-term
// key: requests must carry no token. Allow replaces any earlier Allow,
// Expire, Revoke or Deny for the key.
func (s *Server) Allow(accessKeyID, secretAccessKey, sessionToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[accessKeyID] = key{secret: secretAccessKey, token: sessionToken}
}

// Expire makes the key's session token count as expired: correctly signed
// requests get S3 ExpiredToken (400), STS ExpiredToken (403) or DynamoDB
// ExpiredTokenException (400). It has no effect on a key that is not
// allowed.
func (s *Server) Expire(accessKeyID string) { s.setState(accessKeyID, keyExpired) }

// Deny keeps the key authenticated but not authorized: correctly signed
// requests get S3 AccessDenied (403), STS AccessDenied (403) or DynamoDB
// AccessDeniedException (400). It has no effect on a key that is not
// allowed.
func (s *Server) Deny(accessKeyID string) { s.setState(accessKeyID, keyDenied) }

// Revoke forgets the key, so that it answers like a key never allowed:
// S3 InvalidAccessKeyId (403), STS InvalidClientTokenId (403) or DynamoDB
// UnrecognizedClientException (400).
func (s *Server) Revoke(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, accessKeyID)
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

func (s *Server) setState(accessKeyID string, st keyState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[accessKeyID]; ok {
		k.state = st
		s.keys[accessKeyID] = k
	}
}

// Requests returns a copy of the request log in arrival order. A request is
// logged before its response is written, so it is visible as soon as the
// client call that sent it has returned.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count returns the number of requests logged since the server started or
// since the last [Server.Reset].
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// Reset clears the request log. Keys, buckets and tables are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// ServeHTTP implements [http.Handler].
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Read everything first so the client's connection can be reused
	// whatever the answer is.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		http.Error(w, "awstest: cannot read request body", http.StatusBadRequest)
		return
	}

	sig, sigErr := parseSignature(r)
	svc := sig.service
	if !sig.present || sigErr != nil {
		svc = guessService(r)
	}
	rec := Request{
		Service:      svc,
		Operation:    operation(svc, r, body),
		AccessKeyID:  sig.accessKeyID,
		SessionToken: sig.token,
		Presigned:    sig.presigned,
	}

	var resp response
	if kind, ok := s.authenticate(r, body, sig, sigErr); !ok {
		resp = authError(svc, kind, rec)
	} else {
		switch svc {
		case "s3":
			resp = s.serveS3(r, body)
		case "sts":
			resp = s.serveSTS(r, body, rec)
		case "dynamodb":
			resp = s.serveDynamoDB(r, body)
		default:
			resp = queryError(apiError{"InvalidAction", http.StatusBadRequest, "awstest does not emulate service " + svc + "; it emulates s3, sts and dynamodb"})
		}
	}

	rec.ErrorCode, rec.Status = resp.code, resp.status
	s.mu.Lock()
	s.log = append(s.log, rec)
	s.mu.Unlock()

	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	// Set from the server's clock (not net/http's) so the client's clock
	// skew correction sees the same time the signing window was checked
	// against.
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		w.Write(resp.body)
	}
}

// operation names the API operation a request asks for, independent of
// whether it will be authenticated.
func operation(svc string, r *http.Request, body []byte) string {
	switch svc {
	case "s3":
		return s3Operation(r)
	case "sts":
		return stsOperation(r, body)
	case "dynamodb":
		return dynamoDBOperation(r)
	}
	return ""
}
