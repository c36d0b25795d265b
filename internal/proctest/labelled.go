package proctest

import (
	"net/url"
	"strings"
)

// Labelled is stderr text in which a tool shows a secret under a label of
// its own, whatever the producer's stdout holds.
type Labelled struct {
	Name string // the tool and the form, such as "curl -v over HTTP/2"
	Text string // one or more lines holding the secret key, the session token, or both
}

// LabelledSecrets returns the forms in which the tools a producer shells
// out to print the secret key and the session token when they debug: curl
// -v's request headers (in HTTP/1.1's case and HTTP/2's lower case),
// aws --debug's (botocore's) header dicts, canonical request and response
// body, STS's XML response, a presigned URL's query string, and a Go
// http.Header. Every form is written as the tool writes it, so that a
// scrubber is tested on what producers really print.
func LabelledSecrets(secret, token string) []Labelled {
	const sts = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`
	return []Labelled{
		{"curl -v over HTTP/1.1", "> POST / HTTP/1.1\r\n> Host: sts.us-east-1.amazonaws.com\r\n" +
			"> X-Amz-Security-Token: " + token + "\r\n> Content-Length: 43\r\n>\r\n"},
		{"curl -v over HTTP/2", "* [HTTP/2] [1] [x-amz-security-token: " + token + "]\n" +
			"> POST / HTTP/2\r\n> host: sts.us-east-1.amazonaws.com\r\n> x-amz-security-token: " + token + "\r\n"},
		{"aws --debug: request headers as bytes", "2030-11-26 12:00:00,000 - MainThread - botocore.endpoint - DEBUG - " +
			"Sending http request: <AWSPreparedRequest stream_output=False, method=POST, url=https://sts.amazonaws.com/, " +
			"headers={'X-Amz-Date': b'20301126T120000Z', 'X-Amz-Security-Token': b'" + token + "', " +
			"'Authorization': b'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY/20301126/us-east-1/sts/aws4_request, " +
			"SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=0123abcd'}>"},
		{"aws --debug: request headers as strings", "{'X-Amz-Security-Token': '" + token + "', 'X-Amz-Date': '20301126T120000Z'}"},
		{"aws --debug: canonical request", "botocore.auth - DEBUG - CanonicalRequest:\nPOST\n/\n\nhost:sts.amazonaws.com\n" +
			"x-amz-date:20301126T120000Z\nx-amz-security-token:" + token + "\n\nhost;x-amz-date;x-amz-security-token\n"},
		{"aws --debug: response body", "botocore.parsers - DEBUG - Response body:\nb'" + sts + `\n  <AssumeRoleResult>\n    <Credentials>\n` +
			`      <AccessKeyId>ASIAEXAMPLEKEY</AccessKeyId>\n      <SecretAccessKey>` + secret + `</SecretAccessKey>\n` +
			`      <SessionToken>` + token + `</SessionToken>\n      <Expiration>2030-11-26T13:00:00Z</Expiration>\n'`},
		{"aws --debug: parsed response", "{'Credentials': {'AccessKeyId': 'ASIAEXAMPLEKEY', 'SecretAccessKey': '" + secret +
			"', 'SessionToken': '" + token + "', 'Expiration': datetime.datetime(2030, 11, 26, 13, 0, tzinfo=tzutc())}}"},
		{"STS XML response", sts + "<AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEKEY</AccessKeyId>" +
			"<SecretAccessKey>" + secret + "</SecretAccessKey><SessionToken>" + token + "</SessionToken>" +
			"</Credentials></AssumeRoleResult></AssumeRoleResponse>"},
		{"STS XML response, indented", "<Credentials>\n  <SessionToken>\n    " + token + "\n  </SessionToken>\n" +
			"  <SecretAccessKey>\n    " + secret + "\n  </SecretAccessKey>\n</Credentials>"},
		{"presigned URL", "GET https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15" +
			"&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLEKEY%2F20301126%2Fus-east-1%2Fsts%2Faws4_request" +
			"&X-Amz-Date=20301126T120000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host" +
			"&X-Amz-Security-Token=" + url.QueryEscape(token) + "&X-Amz-Signature=0123abcd"},
		{"presigned URL, lower case", "https://bucket.s3.amazonaws.com/key?x-amz-security-token=" + url.QueryEscape(token) + "&x-amz-signature=0123abcd"},
		{"presigned URL inside a URL", "https://signin.aws.amazon.com/federation?Destination=" +
			url.QueryEscape("https://sts.amazonaws.com/?X-Amz-Security-Token="+url.QueryEscape(token)+"&X-Amz-Signature=0123abcd")},
		{"Go http.Header", "map[Authorization:[AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEKEY/20301126/us-east-1/sts/aws4_request] " +
			"X-Amz-Security-Token:[" + token + "]]"},
	}
}

// SecretPiece returns the first piece of n bytes of any of secrets that
// text holds, or "": a secret cut short, or shown in part, leaks all the
// same. The smaller n, the stricter the check.
func SecretPiece(text string, n int, secrets ...string) string {
	for _, s := range secrets {
		for i := 0; i+n <= len(s); i++ {
			if piece := s[i : i+n]; strings.Contains(text, piece) {
				return piece
			}
		}
	}
	return ""
}
