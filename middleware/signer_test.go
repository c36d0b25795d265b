package middleware

import "testing"

func TestCredentialAccessKey(t *testing.T) {
	tests := []struct {
		name string
		auth string
		want string
	}{
		{
			name: "sigv4",
			auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd",
			want: "AKIDEXAMPLE",
		},
		{
			name: "sigv4a",
			auth: "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20250101/s3/aws4_request, SignedHeaders=host, Signature=abcd",
			want: "AKIDEXAMPLE",
		},
		{name: "empty", auth: "", want: ""},
		{name: "no credential", auth: "Bearer abc", want: ""},
		{name: "no scope", auth: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE", want: ""},
		{name: "empty key", auth: "AWS4-HMAC-SHA256 Credential=/20250101/us-east-1/s3/aws4_request", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := credentialAccessKey(tt.auth); got != tt.want {
				t.Errorf("credentialAccessKey(%q) = %q; want %q", tt.auth, got, tt.want)
			}
		})
	}
}
