package shellword

import (
	"strings"
	"testing"
)

func TestShProgram(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"aws-vault export --format=json dev", "aws-vault"},
		{"  granted credential-process --profile dev\n", "granted"},
		{`BROKER_TOKEN=cGxhbnRlZC10b2tlbi0xMjM= broker`, "broker"},
		{`BROKER_TOKEN=cGxh==MTIz== broker --flag`, "broker"},
		{`CREDS_URL=https://x?token=SECRET broker`, "broker"},
		{`A=1 B='two words' C="three $HOME words" D=a\ b broker`, "broker"},
		{`TOKEN=${SECRET} E= broker`, "broker"},
		{`"/opt/my tools/producer" --role x`, "/opt/my tools/producer"},
		{`/opt/my\ tools/producer --role x`, "/opt/my tools/producer"},
		{`~/bin/creds --x`, "~/bin/creds"},
		{`broker|jq .`, "broker"},
		{`env AWS_PROFILE=dev broker`, "env"},
		// Shell syntax, expansions and builtins name no program.
		{`TOKEN=$(cat /run/secret) broker`, "sh"},
		{"TOKEN=`cat /run/secret` broker", "sh"},
		{`TOKEN='unclosed broker`, "sh"},
		{`TOKEN=x; broker`, "sh"},
		{"TOKEN=x\nbroker", "sh"},
		{`TOKEN=x 2>/dev/null broker`, "sh"},
		{`$BROKER --token x`, "sh"},
		{`"$HOME/bin/broker" --token x`, "sh"},
		{`broker* --token x`, "sh"},
		{`(broker --token x)`, "sh"},
		{`# comment`, "sh"},
		{`while read -r l; do echo "$l"; done < /tmp/creds`, "sh"},
		{`exec broker --token x`, "sh"},
		{`set -e; broker --token x`, "sh"},
		{`echo '{"Version":1,"SecretAccessKey":"x"}'`, "sh"},
		{`if true; then broker; fi`, "sh"},
		{`{ broker; }`, "sh"},
		{`j='{"SecretAccessKey":"x"}'; echo "$j"`, "sh"},
		{``, "sh"},
	}
	for _, tt := range tests {
		if got := ShProgram(tt.line); got != tt.want {
			t.Errorf("ShProgram(%q) = %q; want %q", tt.line, got, tt.want)
		}
	}
}

func TestCmdProgram(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{`"C:\Program Files (x86)\My Tool\creds.exe" --profile "dev env"`, `C:\Program Files (x86)\My Tool\creds.exe`},
		{`"C:\Program Files\My Tool\creds.cmd" parameterWithoutSpaces "parameter with spaces"`, `C:\Program Files\My Tool\creds.cmd`},
		{`C:\tools\creds.exe --token x`, `C:\tools\creds.exe`},
		{`@C:\tools\creds.bat x`, `C:\tools\creds.bat`},
		{`C:\tools\creds.exe|more`, `C:\tools\creds.exe`},
		{`C:\tools\a^&b.exe x`, `C:\tools\a&b.exe`},
		{`set TOKEN=x && creds.exe`, "cmd.exe"},
		{`echo {"Version":1}`, "cmd.exe"},
		{`ECHO {"Version":1}`, "cmd.exe"},
		{`call creds.bat x`, "cmd.exe"},
		{`%TOOLS%\creds.exe x`, "cmd.exe"},
		{`"C:\unclosed x`, "cmd.exe"},
		{`(creds.exe)`, "cmd.exe"},
		{``, "cmd.exe"},
	}
	for _, tt := range tests {
		if got := CmdProgram(tt.line); got != tt.want {
			t.Errorf("CmdProgram(%q) = %q; want %q", tt.line, got, tt.want)
		}
	}
}

// FuzzShProgram builds a command line from assignments and arguments
// holding fuzzed values, quoted as a person or a script would quote them,
// around a program name. The property: no byte of an assignment value or an
// argument appears in the name; and as every word is quoted correctly, the
// name is the program's.
func FuzzShProgram(f *testing.F) {
	f.Add("cGxh==MTIz==", "--token=SECRET", "broker", uint8(0))
	f.Add("https://x?token=SECRET", "a b", "/opt/bin/broker", uint8(1))
	f.Add("it's", `"quoted"`, "aws-vault", uint8(2))
	f.Add("$(cat x)", "`id`", "granted", uint8(3))
	f.Add("a\nb", "\\", "creds", uint8(4))
	f.Add("", "", "x", uint8(5))
	f.Fuzz(func(t *testing.T, value, arg, program string, quoting uint8) {
		if !plainWord(program) || shBuiltins[program] || assignmentName(program) > 0 {
			t.Skip()
		}
		// The program's own bytes may recur in values; a marker around
		// each value makes its bytes tell apart.
		const mark = "\x01"
		value, arg = mark+value+mark, mark+arg+mark
		line := "NAME=" + shQuote(value, quoting) + " OTHER=" + shQuote(value, quoting>>3) + " " +
			program + " " + shQuote(arg, quoting>>6)
		got := ShProgram(line)
		if strings.Contains(got, mark) {
			t.Fatalf("ShProgram(%q) = %q holds a byte of a value or an argument", line, got)
		}
		// Every value is quoted correctly, so the program is always found.
		if got != program {
			t.Fatalf("ShProgram(%q) = %q; want %q", line, got, program)
		}
	})
}

// plainWord reports whether s is a program name that needs no quoting.
func plainWord(s string) bool {
	s = strings.TrimPrefix(s, "~")
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r == '/' || r == '+' || r == '@' || r == ':' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// shQuote quotes s as one sh word, in one of three ways picked by how.
func shQuote(s string, how uint8) string {
	switch how % 3 {
	case 0: // every byte escaped with a backslash, newlines single-quoted
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\n' {
				b.WriteString("'\n'")
			} else {
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		}
		return b.String()
	case 1: // single quotes
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	default: // double quotes
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
		return `"` + r.Replace(s) + `"`
	}
}
