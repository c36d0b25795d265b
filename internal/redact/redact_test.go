package redact

import "testing"

func TestAccessKeyID(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{"empty", "", "****"},
		{"eight", "AKIA1234", "****"},
		{"nine", "AKIA12345", "AKIA****2345"},
		{"typical", "ASIAEXAMPLE123456789", "ASIA****6789"},
		{"multibyte kept whole", "AS\u202eIXXXXXXXE\u2066Y1", "AS\u202eI****E\u2066Y1"},
		{"eight multibyte", "ééééééé€", "****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AccessKeyID(tt.id); got != tt.want {
				t.Errorf("AccessKeyID(%q) = %q; want %q", tt.id, got, tt.want)
			}
		})
	}
}
