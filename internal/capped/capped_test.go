package capped

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestBuffer(t *testing.T) {
	tests := []struct {
		name      string
		writes    []string
		readFrom  string // through ReadFrom, as os/exec copies a pipe
		want      string
		wantFull  bool
		overflows int
	}{
		{"under the limit", []string{"{", `"a":1}`}, "", `{"a":1}`, false, 0},
		{"at the limit", []string{"0123456789"}, "", "0123456789", false, 0},
		{"a write past it is refused whole", []string{"01234", "567890"}, "", "01234", true, 1},
		{"later writes too, with one overflow", []string{"01234567890", "x", "y"}, "", "", true, 1},
		{"read from a pipe, under", nil, "0123", "0123", false, 0},
		{"read from a pipe, at", nil, "0123456789", "0123456789", false, 0},
		{"read from a pipe, past it: kept up to the limit", nil, strings.Repeat("x", 5000), "xxxxxxxxxx", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			overflows := 0
			b := New(10, func() { overflows++ })
			var err error
			for _, w := range tt.writes {
				if _, werr := b.Write([]byte(w)); werr != nil {
					err = werr
				}
			}
			if tt.readFrom != "" {
				_, err = b.ReadFrom(iotest.OneByteReader(strings.NewReader(tt.readFrom)))
			}
			if got := string(b.Bytes()); got != tt.want {
				t.Errorf("Bytes() = %q; want %q", got, tt.want)
			}
			if full := errors.Is(err, ErrFull); full != tt.wantFull || err != nil && !full {
				t.Errorf("error = %v; want ErrFull: %v", err, tt.wantFull)
			}
			if overflows != tt.overflows {
				t.Errorf("overflow called %d times; want %d", overflows, tt.overflows)
			}
		})
	}
}

// TestReadFromLargeRead: a read that brings the buffer past its limit at
// once still keeps exactly the limit.
func TestReadFromLargeRead(t *testing.T) {
	b := New(1000, func() {})
	if _, err := b.ReadFrom(bytes.NewReader(make([]byte, 64<<10))); !errors.Is(err, ErrFull) {
		t.Fatalf("ReadFrom() error = %v; want ErrFull", err)
	}
	if n := len(b.Bytes()); n != 1000 {
		t.Errorf("len(Bytes()) = %d; want 1000", n)
	}
}
