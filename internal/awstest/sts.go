package awstest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

func stsOperation(r *http.Request, body []byte) string {
	return stsForm(r, body).Get("Action")
}

// stsForm returns the awsQuery parameters: the form-encoded body, or the
// query string for a request that has no form body.
func stsForm(r *http.Request, body []byte) url.Values {
	form, err := url.ParseQuery(string(body))
	if err != nil || !form.Has("Action") {
		return r.URL.Query()
	}
	return form
}

// AssumedRole is a credential set minted by the server's STS AssumeRole.
type AssumedRole struct {
	RoleARN     string // the role assumed
	SessionName string // RoleSessionName as requested
	ExternalID  string // ExternalId as requested; "" if none
	Caller      string // access key that signed the AssumeRole request
	AccessKeyID string // access key of the minted set
	Expires     time.Time
}

// AssumedRoles returns the sets STS AssumeRole minted, in order. Their keys
// are allowed as soon as they are minted, and [Server.Expire],
// [Server.Revoke] and [Server.Deny] act on them like on any other key.
func (s *Server) AssumedRoles() []AssumedRole {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AssumedRole(nil), s.roles...)
}

// roleARN is the shape STS accepts for RoleArn: an IAM role in any account.
var roleARN = regexp.MustCompile(`^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$`)

// roleSessionName is the shape STS accepts for RoleSessionName.
var roleSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// serveSTS answers the awsQuery protocol: GetCallerIdentity, which reports
// the signing key in the ARN and UserId so that tests can tell which
// credentials a client used, and AssumeRole, which mints a temporary set.
func (s *Server) serveSTS(r *http.Request, body []byte, rec Request) response {
	switch rec.Operation {
	case "GetCallerIdentity":
		return s.getCallerIdentity(rec)
	case "AssumeRole":
		return s.assumeRole(stsForm(r, body), rec)
	}
	return queryError(apiError{"InvalidAction", 400, "Could not find operation " + rec.Operation + " for version 2011-06-15; " + unknownOperation("sts")})
}

func (s *Server) getCallerIdentity(rec Request) response {
	arn := "arn:aws:iam::" + AccountID + ":user/" + rec.AccessKeyID
	userID := rec.AccessKeyID
	s.mu.Lock()
	role, assumed := s.minted[rec.AccessKeyID]
	s.mu.Unlock()
	switch {
	case assumed:
		arn = "arn:aws:sts::" + AccountID + ":assumed-role/" + roleName(role.RoleARN) + "/" + role.SessionName
		userID = "AROATESTROLE:" + role.SessionName
	case rec.SessionToken != "":
		arn = "arn:aws:sts::" + AccountID + ":assumed-role/test/" + rec.AccessKeyID
		userID = "AROATESTROLE:" + rec.AccessKeyID
	}
	id := uuid()
	xml := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
		"<GetCallerIdentityResult>" + xmlElem("Arn", arn) + xmlElem("UserId", userID) + xmlElem("Account", AccountID) + "</GetCallerIdentityResult>" +
		"<ResponseMetadata>" + xmlElem("RequestId", id) + "</ResponseMetadata>" +
		"</GetCallerIdentityResponse>"
	return queryResponse(id, xml)
}

// assumeRole validates the parameters as STS does (RoleArn, RoleSessionName
// and DurationSeconds between 900 and 43200, default 3600) and mints a set
// whose key the server accepts from then on.
func (s *Server) assumeRole(form url.Values, rec Request) response {
	arn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	duration := time.Hour
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return queryError(apiError{"ValidationError", 400,
				"1 validation error detected: Value '" + v + "' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"})
		}
		duration = time.Duration(n) * time.Second
	}
	switch {
	case !roleARN.MatchString(arn):
		return queryError(apiError{"ValidationError", 400, "1 validation error detected: Value '" + arn + "' at 'roleArn' failed to satisfy constraint: Member must be a role ARN"})
	case !roleSessionName.MatchString(session):
		return queryError(apiError{"ValidationError", 400, "1 validation error detected: Value '" + session + "' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"})
	}

	s.mu.Lock()
	s.serial++
	n := s.serial
	expires := s.clock().Add(duration).UTC().Truncate(time.Second)
	role := AssumedRole{
		RoleARN:     arn,
		SessionName: session,
		ExternalID:  form.Get("ExternalId"),
		Caller:      rec.AccessKeyID,
		AccessKeyID: fmt.Sprintf("ASIAROLE%012d", n),
		Expires:     expires,
	}
	secret, token := fmt.Sprintf("role-secret-%d", n), fmt.Sprintf("role-token-%d", n)
	s.keys[role.AccessKeyID] = key{secret: secret, token: token}
	s.minted[role.AccessKeyID] = role
	s.roles = append(s.roles, role)
	s.mu.Unlock()

	id := uuid()
	xml := `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">` +
		"<AssumeRoleResult>" +
		"<AssumedRoleUser>" +
		xmlElem("Arn", "arn:aws:sts::"+AccountID+":assumed-role/"+roleName(arn)+"/"+session) +
		xmlElem("AssumedRoleId", "AROATESTROLE:"+session) +
		"</AssumedRoleUser>" +
		"<Credentials>" +
		xmlElem("AccessKeyId", role.AccessKeyID) + xmlElem("SecretAccessKey", secret) +
		xmlElem("SessionToken", token) + xmlElem("Expiration", expires.Format(time.RFC3339)) +
		"</Credentials>" +
		"</AssumeRoleResult>" +
		"<ResponseMetadata>" + xmlElem("RequestId", id) + "</ResponseMetadata>" +
		"</AssumeRoleResponse>"
	return queryResponse(id, xml)
}

// roleName is the last path element of a role ARN.
func roleName(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}

func queryResponse(id, xml string) response {
	return response{
		status: 200,
		header: http.Header{"Content-Type": {"text/xml"}, "X-Amzn-Requestid": {id}},
		body:   []byte(xml),
	}
}
