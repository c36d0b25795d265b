package awstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
)

// response is a fully decided answer; ServeHTTP logs it, then writes it.
type response struct {
	status int
	header http.Header
	body   []byte
	code   string // error code; "" on success
}

// apiError is one error as a service reports it.
type apiError struct {
	code   string
	status int
	msg    string
}

// errKind is an authentication or authorization failure, rendered per
// service by authError.
type errKind int

const (
	errUnsigned errKind = iota + 1
	errMalformedAuth
	errWrongRegion
	errUnknownKey
	errInvalidToken
	errExpired
	errSkewed
	errPresignExpired
	errBadSignature
	errDenied
)

const (
	msgExpiredQuery = "The security token included in the request is expired"
	msgInvalidToken = "The security token included in the request is invalid."
	msgBadSigQuery  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMissingAuth  = "Request is missing Authentication Token"
	msgSkewed       = "Signature expired: the signing time is more than 15 minutes away from the server time."
	msgWrongRegion  = "Credential should be scoped to a valid region, not the one in the request. Expected " + Region + "."
)

// authErrors holds the wire codes, statuses and messages of the real
// services for each failure. Statuses differ per protocol: S3 and the
// awsQuery services use 403 for most, awsJson services (DynamoDB) use 400.
var authErrors = map[string]map[errKind]apiError{
	"s3": {
		errUnsigned:       {"AccessDenied", 403, "Access Denied"},
		errMalformedAuth:  {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."},
		errWrongRegion:    {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the region is wrong; expecting '" + Region + "'"},
		errUnknownKey:     {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."},
		errInvalidToken:   {"InvalidToken", 400, "The provided token is malformed or otherwise invalid."},
		errExpired:        {"ExpiredToken", 400, "The provided token has expired."},
		errSkewed:         {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."},
		errPresignExpired: {"AccessDenied", 403, "Request has expired"},
		errBadSignature:   {"SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
		errDenied:         {"AccessDenied", 403, "Access Denied"},
	},
	"sts": {
		errUnsigned:       {"MissingAuthenticationToken", 403, msgMissingAuth},
		errMalformedAuth:  {"IncompleteSignature", 400, "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and a valid X-Amz-Date."},
		errWrongRegion:    {"SignatureDoesNotMatch", 403, msgWrongRegion},
		errUnknownKey:     {"InvalidClientTokenId", 403, msgInvalidToken},
		errInvalidToken:   {"InvalidClientTokenId", 403, msgInvalidToken},
		errExpired:        {"ExpiredToken", 403, msgExpiredQuery},
		errSkewed:         {"SignatureDoesNotMatch", 403, msgSkewed},
		errPresignExpired: {"ExpiredToken", 403, msgExpiredQuery},
		errBadSignature:   {"SignatureDoesNotMatch", 403, msgBadSigQuery},
		errDenied:         {"AccessDenied", 403, "User is not authorized to perform this action"},
	},
	"dynamodb": {
		errUnsigned:       {"MissingAuthenticationTokenException", 400, msgMissingAuth},
		errMalformedAuth:  {"IncompleteSignatureException", 400, "Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and a valid X-Amz-Date."},
		errWrongRegion:    {"InvalidSignatureException", 400, msgWrongRegion},
		errUnknownKey:     {"UnrecognizedClientException", 400, msgInvalidToken},
		errInvalidToken:   {"UnrecognizedClientException", 400, msgInvalidToken},
		errExpired:        {"ExpiredTokenException", 400, msgExpiredQuery},
		errSkewed:         {"InvalidSignatureException", 400, msgSkewed},
		errPresignExpired: {"InvalidSignatureException", 400, msgSkewed},
		errBadSignature:   {"InvalidSignatureException", 400, msgBadSigQuery},
		errDenied:         {"AccessDeniedException", 400, "User is not authorized to perform this action"},
	},
}

func authError(svc string, kind errKind, rec Request) response {
	switch svc {
	case "s3":
		e := authErrors[svc][kind]
		var extra string
		if kind == errExpired {
			// Real S3 echoes the rejected token.
			extra = xmlElem("Token-0", rec.SessionToken)
		}
		return s3Error(e, extra)
	case "dynamodb":
		return jsonError(authErrors[svc][kind])
	}
	return queryError(authErrors["sts"][kind])
}

// s3Error renders S3's restXml error; extra is pre-escaped XML placed
// between Message and RequestId.
func s3Error(e apiError, extra string) response {
	id, hostID := s3RequestID()
	body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		"<Error>" + xmlElem("Code", e.code) + xmlElem("Message", e.msg) + extra +
		xmlElem("RequestId", id) + xmlElem("HostId", hostID) + "</Error>"
	return response{
		status: e.status,
		code:   e.code,
		header: http.Header{
			"Content-Type":     {"application/xml"},
			"X-Amz-Request-Id": {id},
			"X-Amz-Id-2":       {hostID},
		},
		body: []byte(body),
	}
}

// queryError renders the awsQuery (STS) error.
func queryError(e apiError) response {
	id := uuid()
	body := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
		"<Error>" + xmlElem("Type", "Sender") + xmlElem("Code", e.code) + xmlElem("Message", e.msg) + "</Error>" +
		xmlElem("RequestId", id) + "</ErrorResponse>"
	return response{
		status: e.status,
		code:   e.code,
		header: http.Header{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {id}},
		body:   []byte(body),
	}
}

// jsonError renders the awsJson1.0 (DynamoDB) error.
func jsonError(e apiError) response {
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{"com.amazon.coral.service#" + e.code, e.msg})
	r := jsonResponse(e.status, b)
	r.code = e.code
	return r
}

func jsonResponse(status int, body []byte) response {
	return response{
		status: status,
		header: http.Header{
			"Content-Type":     {"application/x-amz-json-1.0"},
			"X-Amzn-Requestid": {uuid()},
			"X-Amz-Crc32":      {strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)},
		},
		body: body,
	}
}

func xmlElem(name, value string) string {
	var b strings.Builder
	b.WriteString("<" + name + ">")
	xml.EscapeText(&b, []byte(value))
	b.WriteString("</" + name + ">")
	return b.String()
}

// s3RequestID returns an x-amz-request-id and x-amz-id-2 pair shaped like
// S3's.
func s3RequestID() (id, hostID string) {
	var b [48]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:8])), hex.EncodeToString(b[8:])
}

func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
