package execjson

import (
	"runtime"
	"testing"
)

func TestLine(t *testing.T) {
	shellLine := `/bin/sh -c 'TOKEN=x broker '\''a b'\'''`
	if runtime.GOOS == "windows" {
		shellLine = `cmd.exe /D /C "TOKEN=x broker 'a b'"`
	}
	tests := []struct {
		cmd  Command
		want string
	}{
		{Command{Shell: `TOKEN=x broker 'a b'`}, shellLine},
		{Command{Args: []string{`C:\My Tools\p.exe`, "--role", "it's", "", "a=b,c"}}, `'C:\My Tools\p.exe' --role 'it'\''s' '' a=b,c`},
	}
	for _, tt := range tests {
		if got := tt.cmd.Line(); got != tt.want {
			t.Errorf("Line(%q) = %s; want %s", tt.cmd.Shell, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ s, want string }{
		{`C:\Program Files (x86)\My Tool\creds.exe`, `"C:\Program Files (x86)\My Tool\creds.exe"`},
		{`/bin/sh -c 'broker --role admin'`, `"/bin/sh -c 'broker --role admin'"`},
		{"a\"b\n", `"a\"b\n"`},
		{"bidi\u202E", `"bidi\u202e"`},
	}
	for _, tt := range tests {
		if got := Quote(tt.s); got != tt.want {
			t.Errorf("Quote(%q) = %s; want %s", tt.s, got, tt.want)
		}
	}
}
