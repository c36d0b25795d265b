package credprocess_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// TestWithProfileWindowsPaths: a profile's credential_process holding a
// Windows path, read by the SDK's loader, runs through WithProfile as the
// line runs typed at a cmd.exe prompt, and signs. The SDK's own chain
// (processcreds) runs the same profile beside it; what it does with each
// form is written down and asserted too, so that a fixed SDK shows up.
//
// The producers are copies of the test binary (proctest.CopySelf) that
// print the arguments they got (the args behaviour, chosen through
// helperEnv, since a line that is a path alone has no room for helperArg).
func TestWithProfileWindowsPaths(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Skip("Windows paths through cmd.exe")
	}
	root := proctest.TempDir(t, "paths")
	spaces := proctest.CopySelf(t, filepath.Join(root, "Program Files", "My Tool"), "producer")
	x86 := proctest.CopySelf(t, filepath.Join(root, "Program Files (x86)", "My Tool"), "producer")
	plain := proctest.CopySelf(t, filepath.Join(root, "tools", "bin"), "producer")
	t.Setenv(helperEnv, "args")
	srv := awstest.New()
	defer srv.Close()
	srv.Allow("AKIDARGS", "s", "")

	// sdk is what processcreds does with a line: it passes it to
	// cmd.exe /C as one argument quoted by Go's rules for program
	// arguments, which cmd.exe does not undo for a line that holds quotes.
	type sdk struct {
		args []string // the arguments it signs after; nil when it fails
		exit int      // else the exit status it fails with
	}
	notRecognized := sdk{exit: 9009} // cmd.exe's "not recognized as an internal or external command"
	tests := []struct {
		name  string
		value string   // credential_process = value
		args  []string // the arguments credprocess runs the producer with
		sdk   sdk
	}{
		{
			// The config parser removes the quotes, and both put a pair
			// back around the bare name (processcreds by Go's quoting of
			// an argument with spaces, credprocess since it names a file),
			// which cmd.exe /C keeps around a name without parentheses.
			name:  "a value quoted whole",
			value: `"` + spaces + `"`,
			args:  []string{},
			sdk:   sdk{args: []string{}},
		},
		{
			// The same under Program Files (x86): cmd.exe /C keeps no pair
			// around a name holding parentheses (cmd /?), so processcreds
			// runs C:\...\Program; credprocess quotes the name once more.
			name:  "a value quoted whole, under Program Files (x86)",
			value: `"` + x86 + `"`,
			args:  []string{},
			sdk:   notRecognized,
		},
		{
			// AppStream's line (aws-sdk-go-v2 #3208): processcreds' quotes
			// reach cmd.exe as \", and cmd.exe looks for a program named
			// \"C:\...\producer.exe\".
			name:  "a quoted program followed by arguments",
			value: `"` + x86 + `" --role "Machine Role" --region eu-west-1`,
			args:  []string{"--role", "Machine Role", "--region", "eu-west-1"},
			sdk:   notRecognized,
		},
		{
			// No quotes in the line: cmd.exe undoes processcreds' pair, and
			// both pass the backslashes on as written.
			name:  "backslashes",
			value: plain + ` --config C:\Users\dev\.aws\broker.json \\server\share\creds`,
			args:  []string{"--config", `C:\Users\dev\.aws\broker.json`, `\\server\share\creds`},
			sdk:   sdk{args: []string{"--config", `C:\Users\dev\.aws\broker.json`, `\\server\share\creds`}},
		},
		{
			// Go's rules double a backslash before processcreds' closing
			// quote, which cmd.exe removes and leaves the doubled
			// backslash.
			name:  "a trailing backslash",
			value: plain + ` --cache C:\cache\`,
			args:  []string{"--cache", `C:\cache\`},
			sdk:   sdk{args: []string{"--cache", `C:\cache\\`}},
		},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeConfig(t, "[profile win]\ncredential_process = "+tt.value+"\n")

			cfg := loadProfile(t, srv, "win")
			if got := signedBy(t, srv, cfg); got != "AKIDARGS" {
				t.Errorf("WithProfile: request signed by %q; want AKIDARGS", got)
			}
			ours, err := cfg.Credentials.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ours.Source != provider.ProviderName {
				t.Errorf("WithProfile: Source = %q; want %q", ours.Source, provider.ProviderName)
			}
			if diff := cmp.Diff(tt.args, argsOf(t, ours.AccountID)); diff != "" {
				t.Errorf("WithProfile: the producer's arguments (-want +got):\n%s", diff)
			}

			theirs, err := sdkProfile(t, srv, "win").Credentials.Retrieve(ctx)
			var exitErr *exec.ExitError
			switch {
			case tt.sdk.args == nil && err == nil:
				t.Errorf("processcreds signs with %q now; it failed with exit status %d: the SDK changed, update this form", argsOf(t, theirs.AccountID), tt.sdk.exit)
			case tt.sdk.args == nil && (!errors.As(err, &exitErr) || exitErr.ExitCode() != tt.sdk.exit):
				t.Errorf("processcreds: error = %v; want exit status %d", err, tt.sdk.exit)
			case tt.sdk.args != nil && err != nil:
				t.Errorf("processcreds: error = %v; want the producer's arguments %q", err, tt.sdk.args)
			case tt.sdk.args != nil:
				if theirs.Source != processcreds.ProviderName {
					t.Errorf("the SDK's chain: Source = %q; want %q", theirs.Source, processcreds.ProviderName)
				}
				if diff := cmp.Diff(tt.sdk.args, argsOf(t, theirs.AccountID)); diff != "" {
					t.Errorf("processcreds: the producer's arguments (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// sdkProfile loads profile with the SDK's own chain, pointed at srv: the
// SDK's processcreds runs its credential_process.
func sdkProfile(t *testing.T, srv *awstest.Server, profile string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL()), config.WithSharedConfigProfile(profile))
	if err != nil {
		t.Fatalf("LoadDefaultConfig(WithSharedConfigProfile(%q)): %v", profile, err)
	}
	return pointAt(cfg, srv)
}
