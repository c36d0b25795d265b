package main

import (
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/proctest"
)

func TestCheckUsage(t *testing.T) {
	p := producer(t)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no command", nil, 2, "usage:"},
		{"unknown command", []string{"verify"}, 2, `unknown command "verify"`},
		{"unknown flag", []string{"check", "--bogus"}, 2, "flag provided but not defined"},
		{"profile and command", []string{"check", "--profile", "dev", "--", p, "valid"}, 2, "give only one of --profile, --shell or a command after --"},
		{"shell and command", []string{"check", "--shell", "true", "--", p, "valid"}, 2, "give only one of --profile, --shell or a command after --"},
		{"profile and shell", []string{"check", "--profile", "dev", "--shell", "true"}, 2, "give only one of --profile, --shell or a command after --"},
		{"--assume with --shell", []string{"check", "--assume", "--shell", "true"}, 2, "--assume follows a profile's roles"},
		{"--assume with a command", []string{"check", "--assume", "--", p, "valid"}, 2, "--assume follows a profile's roles"},
		{"command line after --", []string{"check", "--", "aws-vault export --format=json dev"}, 2, "use --shell"},
		{"zero timeout", []string{"check", "--timeout", "0s", "--", p, "valid"}, 2, "--timeout must be positive"},
		{"empty --shell", []string{"check", "--shell", ""}, 2, "--shell needs a command line"},
		{"empty --shell=", []string{"check", "--shell="}, 2, "--shell needs a command line"},
		{"empty --profile", []string{"check", "--profile", ""}, 2, "--profile needs a profile name"},
		{"empty -profile=", []string{"check", "-profile="}, 2, "--profile needs a profile name"},
		{"empty --profile with a command", []string{"check", "--profile", "", "--", p, "valid"}, 2, "--profile needs a profile name"},
		{"help", []string{"help"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := cli(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("credprocess %q = status %d, stderr %q; want %d and stderr containing %q", tt.args, code, stderr, tt.wantCode, tt.wantStderr)
			}
			if code == 2 && stdout != "" {
				t.Errorf("credprocess %q wrote %q to stdout on a usage error; want nothing", tt.args, stdout)
			}
		})
	}

	// A single argument with spaces that names a file runs as a program
	// (the producer, in its mode "valid" without arguments).
	spaced := proctest.CopySelf(t, proctest.TempDir(t, "check-usage"), "my producer")
	if r, code := checkJSON(t, "--", spaced); code != 0 || r.Program != spaced {
		t.Errorf("check -- %q = status %d, program %q; want 0 and the path", spaced, code, r.Program)
	}
}
