package main

import (
	"testing"
	"time"
)

func TestSpan(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		from, to string
		want     string
	}{
		{"2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", "less than a second"},
		{"2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z", "1 second"},
		{"2030-01-01T00:00:00Z", "2030-01-01T00:00:42Z", "42 seconds"},
		{"2030-01-01T00:00:00Z", "2030-01-01T00:04:42Z", "4 minutes 42 seconds"},
		{"2030-01-01T00:00:00Z", "2030-01-01T01:00:00Z", "1 hour"},
		{"2029-12-31T23:00:00Z", "2030-01-01T00:00:00Z", "1 hour"},
		{"2030-01-01T00:00:00Z", "2030-01-01T01:00:59Z", "1 hour"}, // seconds are not next to hours
		{"2030-01-01T00:00:00Z", "2030-01-01T02:30:00Z", "2 hours 30 minutes"},
		{"2030-01-01T00:00:00Z", "2030-01-04T00:00:00Z", "3 days"},
		{"2030-01-01T00:00:00Z", "2030-01-04T05:06:07Z", "3 days 5 hours"},
		{"2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z", "1 month"},
		{"2030-01-31T00:00:00Z", "2030-02-28T00:00:00Z", "28 days"},
		{"2030-01-31T00:00:00Z", "2030-03-03T00:00:00Z", "1 month"},
		{"2030-01-15T00:00:00Z", "2030-03-20T00:00:00Z", "2 months 5 days"},
		{"2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z", "1 year"},
		{"2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z", "11 months 30 days"},
		{"2024-01-01T00:00:00Z", "2026-12-03T04:04:42Z", "2 years 11 months"},
		{"2024-01-01T00:00:00Z", "2026-01-20T00:00:00Z", "2 years"}, // days are not next to years
		{"2026-12-03T04:04:42Z", "2024-01-01T00:00:00Z", "2 years 11 months"},
		{"2030-01-01T02:00:00+02:00", "2030-01-01T01:00:00Z", "1 hour"},
	}
	for _, tt := range tests {
		if got := span(at(tt.from), at(tt.to)); got != tt.want {
			t.Errorf("span(%s, %s) = %q; want %q", tt.from, tt.to, got, tt.want)
		}
	}
}
