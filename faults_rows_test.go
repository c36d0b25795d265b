package credprocess_test

import (
	"context"
	"io/fs"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// faultRows are the rows of the fault matrix, which TestFaultMatrix and
// TestSecrecyFaults run.
func faultRows(t *testing.T) []fault {
	notExecutable, err := filepath.Abs(faults + "not-executable.sh")
	if err != nil {
		t.Fatal(err)
	}
	longToken := credsOf("AKIDFAULTLONGTOKEN")
	longToken.SessionToken = faultToken + strings.Repeat("Q", 4096-len(faultToken))
	unicode := &aws.Credentials{
		AccessKeyID: "AKIDFAULTUNICODE", SecretAccessKey: faultSecret + "é✓é😀", SessionToken: faultToken + "日本",
		AccountID: "123456789012", Source: provider.ProviderName,
	}
	expiring := credsOf("AKIDFAULTEXPIRING")

	// h is a row's command: a behaviour of the test binary.
	h := helperLine
	// flood is how many MiB the stderr floods write: 64, and 24 on
	// Windows, where Wine moves them at about 8 MiB a second. Either is
	// more than a run may allocate (floodAllocBound).
	flood := "64"
	if runtime.GOOS == "windows" {
		flood = "24"
	}
	rows := []fault{
		// Commands that do not end by themselves.
		{name: "hangs", command: h("hang"), timeout: hangTimeout, slow: true,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "hangs in an exec'd program", command: "exec sleep 60", posix: true, timeout: hangTimeout, slow: true,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "hangs with a background child holding stdout", command: "sleep 60 & wait", posix: true, timeout: hangTimeout, slow: true,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "hangs waiting for a child holding stdout", command: h("hang", "-child"), timeout: hangTimeout, slow: true,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "drips output slowly past the timeout", command: h("drip"), timeout: hangTimeout, slow: true,
			want: processFailure(-1, context.DeadlineExceeded)},
		{name: "drips a document slowly within the timeout", command: h("drip-valid"), slow: true,
			want: gotCreds(credsOf("AKIDFAULTOK"))},
		{name: "exits 0 leaving a child holding stdout", command: h("child-holds-stdout"), slow: true,
			want: gotCreds(credsOf("AKIDFAULTOK"))},

		// Too much output.
		{name: "prints megabytes on stdout", command: h("flood-stdout"), flood: true,
			want: processFailure(-1, provider.ErrOutputTooLarge)},
		{name: "floods stderr then prints credentials", command: h("flood-stderr", "-exit", "0", "-mib", flood), flood: true,
			want: gotCreds(credsOf("AKIDFAULTOK"))},
		{name: "floods stderr then fails", command: h("flood-stderr", "-exit", "4", "-mib", flood), flood: true,
			want: processFailure(4, nil, "FLOOD START", "FLOOD END", "bytes elided")},

		// Failed runs.
		{name: "crashes mid-JSON", command: "head -c 150 " + faults + "ok.json; kill -SEGV $$", posix: true,
			want: killedBySignal()},
		{name: "killed by a signal", command: "kill -9 $$", posix: true,
			want: killedBySignal()},
		{name: "exits non-zero with valid JSON on stdout", command: h("cat", "-exit", "3", faults+"ok.json"),
			want: processFailure(3, nil)},
		{name: "not found", command: "credprocess-no-such-command --secret " + faultSecret,
			want: processFailure(127, nil, "not found"),
			// cmd.exe's own status and words for a name it cannot run.
			onWindows: &outcome{process: true, exit: 9009, stderr: []string{"internal or external command"}},
			wine:      "Wine's cmd.exe quotes the whole line, arguments included, where it cannot find the program; Windows' quotes the name"},
		{name: "not found, without a shell", args: []string{"credprocess-no-such-command", "--secret", faultSecret},
			want: processFailure(-1, exec.ErrNotFound)},
		{name: "not executable", command: faults + "not-executable.sh", posix: true,
			want: processFailure(126, nil, "denied")},
		{name: "not executable, without a shell", args: []string{notExecutable, "--secret", faultSecret}, posix: true,
			want: processFailure(-1, fs.ErrPermission)},

		// Output that breaks the specification.
		{name: "exits 0 with empty output", command: h("empty"),
			want: outputFailure("", "empty output", nil)},
		{name: "exits 0 mid-JSON", command: h("cat", faults+"truncated.json"),
			want: outputFailure("", "invalid JSON", nil)},
		{name: "login banner before the JSON", command: h("cat", "-banner", "Welcome, "+stdoutCanary, faults+"ok.json"),
			want: outputFailure("", "output starts with text before the JSON object", nil)},
		{name: "JSON array", command: h("cat", faults+"array.json"),
			want: outputFailure("", "not a JSON object", nil)},
		{name: "null", command: h("cat", faults+"null.json"),
			want: outputFailure("", "not a JSON object", nil)},
		{name: `"1" for Version`, command: h("cat", faults+"version-string.json"),
			want: outputFailure("Version", "must be the number 1", nil)},
		{name: "trailing garbage after the object", command: h("cat", faults+"trailing-garbage.json"),
			want: outputFailure("", "output has text after the JSON object", nil)},
		{name: "Expiration in the past", command: h("expiring"), expires: -time.Hour,
			want: outputFailure("Expiration", "expired at", provider.ErrExpired)},

		// Output that is odd but valid.
		{name: "duplicate keys: the last wins, names match case-insensitively", command: h("cat", faults+"duplicate-keys.json"),
			want: gotCreds(&aws.Credentials{AccessKeyID: "AKIDFAULTDUPLICATE", SecretAccessKey: faultSecret,
				SessionToken: faultToken, Source: provider.ProviderName})},
		{name: "byte order mark and CRLF", command: h("cat", faults+"bom.json"),
			want: gotCreds(credsOf("AKIDFAULTBOM"))},
		{name: "4 KiB session token", command: h("cat", faults+"session-token-4k.json"),
			want: gotCreds(longToken)},
		{name: "unicode, raw and escaped, and no Expiration", command: h("cat", faults+"unicode.json"),
			want: gotCreds(unicode)},
		{name: "Expiration one second ahead", command: h("expiring"), expires: time.Second,
			expiredAfter: time.Second, want: gotCreds(expiring)},
		{name: "Expiration a year ahead", command: h("expiring"), expires: 365 * 24 * time.Hour,
			want: gotCreds(expiring)},

		// Secrets echoed to stderr: across the excerpt's cuts, in escaped
		// forms, labelled as env lines, and in assignments before the
		// program.
		{name: "the reported producer: the document at 2040 of 4097 bytes of stderr", command: echoAt("-", 2040, 4097, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "secret key echoed across the excerpt's first cut", command: echoAt("-", cutAt(execjson.StderrExcerpt, 0), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "session token echoed across the excerpt's first cut", command: echoAt("-", cutAt(execjson.StderrExcerpt, 1), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "secret key echoed across the excerpt's last cut", command: echoAt("-", cutAt(6144-execjson.StderrExcerpt, 0), 6144, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: "session token echoed across the excerpt's last cut, past dropped bytes", command: echoAt("-", cutAt(64<<10-execjson.StderrExcerpt, 1), 64<<10, "plain", "plain"),
			want: processFailure(1, nil, "bytes elided")},
		{name: `slashes escaped on stdout (PHP's \/), echoed decoded`, command: echoAt("-", 0, 0, "slashes", "plain"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: `= escaped on stdout (Gson's \u003d), echoed decoded`, command: echoAt("-", 0, 0, "gson", "plain"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: "decoded on stdout, echoed with slashes escaped", command: echoAt("-", 0, 0, "plain", "slashes"),
			want: processFailure(1, nil, "debug: [redacted] [redacted]")},
		{name: "env lines on stderr, nothing on stdout", command: echoAt("-", 0, 0, "none", "env"),
			want: processFailure(1, nil, "export AWS_SECRET_ACCESS_KEY=[redacted]")},
		{name: "secrets in assignments before the program", posix: true,
			command: "BROKER_TOKEN=" + faultToken + " CREDS_URL='https://broker?token=" + faultSecret + "' " + echoAt("-", 0, 0, "plain", "plain"),
			want:    processFailure(1, nil, "debug: [redacted] [redacted]")},
	}
	// Secrets under the labels of the tools a producer shells out to
	// (curl -v, aws --debug, STS's XML, presigned URLs), nothing on stdout.
	for i, l := range proctest.LabelledSecrets(faultSecret, faultToken) {
		rows = append(rows, fault{name: "labelled as printed by " + l.Name, command: labelledCommand(i, "-"),
			want: processFailure(1, nil, "[redacted]")})
	}
	return rows
}
