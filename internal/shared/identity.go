package shared

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed-dcc28122/credprocess/internal/safefile"
)

// SelectingVariables are the inherited environment variables whose values
// select which credentials a command returns, and so go into the identity
// of its entry when Options.Env is not set: two shells that differ in
// these get two entries; two that differ in anything else (PATH, PWD, a
// terminal's variables, a token that authenticates rather than selects)
// share one. A value itself is never stored, only the digest of the whole
// identity.
var SelectingVariables = []string{
	// The AWS SDKs and CLI: the profile, the files that define it, and a
	// role to assume.
	"AWS_PROFILE",
	"AWS_DEFAULT_PROFILE",
	"AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE",
	"AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME",
	"AWS_WEB_IDENTITY_TOKEN_FILE",
	// aws-vault: its store, and the profile of a session it started.
	"AWS_VAULT",
	"AWS_VAULT_BACKEND",
	"AWS_VAULT_FILE_DIR",
	"AWS_VAULT_KEYCHAIN_NAME",
	"AWS_VAULT_PASS_PREFIX",
	// 1Password's CLI: the account.
	"OP_ACCOUNT",
	// HashiCorp Vault, which some brokers call: the server and namespace.
	"VAULT_ADDR",
	"VAULT_NAMESPACE",
}

// Identity is what makes two runs of a command interchangeable: the same
// command, working directory, environment and user. Two processes whose
// identities are equal share an entry.
type Identity struct {
	// Line is the shell line, or Args the program and its arguments.
	Line string
	Args []string
	// Dir is the working directory when one is set, made absolute; "" when
	// the command runs in the caller's own, which does not count.
	Dir string
	// Env is Options.Env when set; otherwise Inherited holds the values of
	// SelectingVariables that are set, as NAME=value.
	Env       []string
	Inherited []string
	// User is the user the command runs as.
	User string
}

// NewIdentity returns the identity of a command, given as a shell line or
// arguments, with the working directory dir ("" for the caller's) and the
// environment env (nil for the caller's). A program named by a relative
// path with a directory in it (./broker) is made absolute against the
// directory it runs in, so that two callers standing in different
// directories do not share the wrong program.
func NewIdentity(line string, args []string, dir string, env []string) Identity {
	id := Identity{Line: line, Env: env, User: safefile.CurrentUser()}
	if dir != "" {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		id.Dir = dir
	}
	if len(args) > 0 {
		id.Args = append([]string(nil), args...)
		if p := args[0]; !filepath.IsAbs(p) && strings.ContainsAny(p, `/\`) {
			base := dir
			if base == "" {
				base, _ = os.Getwd()
			}
			id.Args[0] = filepath.Join(base, p)
		}
	}
	if env == nil {
		for _, name := range SelectingVariables {
			if v, ok := os.LookupEnv(name); ok {
				id.Inherited = append(id.Inherited, name+"="+v)
			}
		}
	}
	return id
}

// Sum is the SHA-256 of the identity: each part length-prefixed, so that
// no two identities share an encoding.
func (id Identity) Sum() [sha256.Size]byte {
	h := sha256.New()
	write := func(tag string, parts ...string) {
		var n [8]byte
		h.Write([]byte(tag))
		binary.BigEndian.PutUint64(n[:], uint64(len(parts)))
		h.Write(n[:])
		for _, p := range parts {
			binary.BigEndian.PutUint64(n[:], uint64(len(p)))
			h.Write(n[:])
			h.Write([]byte(p))
		}
	}
	write("credprocess-shared-v1")
	write("line", id.Line)
	write("args", id.Args...)
	write("dir", id.Dir)
	if id.Env != nil {
		write("env", id.Env...)
	} else {
		write("inherited", id.Inherited...)
	}
	write("user", id.User)
	var s [sha256.Size]byte
	h.Sum(s[:0])
	return s
}

// name is the file name of the entry for a sum: a short prefix is enough
// to tell entries apart, since the entry holds the whole sum and a reader
// compares it.
func name(sum [sha256.Size]byte) string { return hex.EncodeToString(sum[:12]) }
