package awstest

import (
	"errors"

	"github.com/aws/smithy-go"
)

// TB is the part of [testing.TB] that [ErrorCode] uses; taking it rather
// than testing.TB keeps the testing package out of programs (the demo) that
// run the server.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// ErrorCode returns the API error code (the [smithy.APIError] code a client
// decoded from the server's answer) in err, or "" for nil. An error that
// carries no API error code fails t: the request never got an answer.
func ErrorCode(t TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not a smithy.APIError", err)
	}
	return apiErr.ErrorCode()
}
