package awstest

import (
	"net/http"
	"net/url"
)

func stsOperation(r *http.Request, body []byte) string {
	form, err := url.ParseQuery(string(body))
	if err != nil || !form.Has("Action") {
		form = r.URL.Query()
	}
	return form.Get("Action")
}

// serveSTS answers the awsQuery protocol. Only GetCallerIdentity exists;
// it reports the signing key in the ARN and UserId so that tests can tell
// which credentials a client used.
func (s *Server) serveSTS(rec Request) response {
	if rec.Operation != "GetCallerIdentity" {
		return queryError(apiError{"InvalidAction", 400, "Could not find operation " + rec.Operation + " for version 2011-06-15"})
	}
	arn := "arn:aws:iam::" + AccountID + ":user/" + rec.AccessKeyID
	userID := rec.AccessKeyID
	if rec.SessionToken != "" {
		arn = "arn:aws:sts::" + AccountID + ":assumed-role/test/" + rec.AccessKeyID
		userID = "AROATESTROLE:" + rec.AccessKeyID
	}
	id := uuid()
	xml := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
		"<GetCallerIdentityResult>" + xmlElem("Arn", arn) + xmlElem("UserId", userID) + xmlElem("Account", AccountID) + "</GetCallerIdentityResult>" +
		"<ResponseMetadata>" + xmlElem("RequestId", id) + "</ResponseMetadata>" +
		"</GetCallerIdentityResponse>"
	return response{
		status: 200,
		header: http.Header{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {id}},
		body:   []byte(xml),
	}
}
