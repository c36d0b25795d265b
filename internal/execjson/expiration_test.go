package execjson

import (
	"errors"
	"testing"
	"time"
)

func TestParseExpiration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: an error naming Expiration
	}{
		{"2030-01-01T00:00:00Z", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2030-01-01T00:00:00.5Z", time.Date(2030, 1, 1, 0, 0, 0, 5e8, time.UTC)},
		{"2030-01-01T01:30:00+01:30", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2030-01-01T00:00:00+23:59", time.Date(2029, 12, 31, 0, 1, 0, 0, time.UTC)},
		{"2029-12-31T23:00:00-01:00", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2030-01-01T00:00:00+24:00", time.Time{}},
		{"2030-01-01T00:00:00-24:00", time.Time{}},
		{"2030-01-01T00:00:00+00:60", time.Time{}},
		{"2030-01-01T00:00:00,5Z", time.Time{}},
		{"2030-01-01T00:00:00,5+01:00", time.Time{}},
		{"2030-01-01T00:00:00+25:00", time.Time{}},
		{"2030-01-01T00:00:00", time.Time{}},
		{"2030-01-01T0:00:00Z", time.Time{}},
	}
	for _, tt := range tests {
		got, err := ParseExpiration(tt.in)
		if tt.want.IsZero() {
			var oe *ParseError
			if !errors.As(err, &oe) || oe.Field != "Expiration" {
				t.Errorf("ParseExpiration(%q) = %v, %v; want a *ParseError naming Expiration", tt.in, got, err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseExpiration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
