package main

import (
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-dcc28122/credprocess/internal/profiles"
)

// hop is one profile of the source_profile chain check followed, as the
// SDK resolves it: the profile asked for first, the one holding the
// credentials last. It holds names and what AssumeRole sends, never a
// credential: external_id is an identifier the role's owner hands out,
// and mfa_serial is reduced to whether the role needs a code.
type hop struct {
	Profile         string `json:"profile"`
	RoleARN         string `json:"role_arn,omitempty"`
	RoleSessionName string `json:"role_session_name,omitempty"` // empty: the SDK makes one up
	ExternalID      string `json:"external_id,omitempty"`
	MFA             bool   `json:"mfa,omitempty"` // the role needs an MFA code (mfa_serial)
	// Credentials is set on the last hop: where the chain's credentials
	// come from, one of the keys of sourceWords.
	Credentials string `json:"credentials,omitempty"`
}

// sourceWords says, for each source of credentials a chain can end in, its
// name in the JSON report, what it is, and which of the SDK's providers
// serves it.
var sourceWords = map[profiles.Source]struct{ key, what, provider string }{
	profiles.SourceProcess:          {"credential_process", "credential_process", "processcreds.Provider"},
	profiles.SourceStaticKeys:       {"static_keys", "static keys", "credentials.StaticCredentialsProvider"},
	profiles.SourceCredentialSource: {"credential_source", "credential_source", ""}, // see credentialSource
	profiles.SourceWebIdentity:      {"web_identity", "web_identity_token_file", "stscreds.WebIdentityRoleProvider"},
	profiles.SourceSSO:              {"sso", "SSO settings", "ssocreds.Provider"},
	profiles.SourceLogin:            {"login_session", "login_session", "logincreds.Provider"},
	profiles.SourceDefault:          {"none", "no credentials", "endpointcreds.Provider in a container, else ec2rolecreds.Provider"},
}

// hops lists chain for the report.
func hops(chain profiles.Chain) []hop {
	out := make([]hop, len(chain))
	for i, p := range chain {
		out[i] = hop{Profile: p.Profile, RoleARN: p.RoleARN}
		if p.RoleARN != "" {
			out[i].RoleSessionName, out[i].ExternalID, out[i].MFA = p.RoleSessionName, p.ExternalID, p.MFASerial != ""
		}
	}
	out[len(out)-1].Credentials = sourceWords[chain.Source()].key
	return out
}

// notProcess says where a chain that does not end in a credential_process
// takes its credentials, and which of the SDK's providers signs with
// them.
func notProcess(chain profiles.Chain) string {
	end := chain[len(chain)-1]
	src := chain.Source()
	w := sourceWords[src]
	var s string
	switch src {
	case profiles.SourceDefault:
		s = fmt.Sprintf("profile %q sets no credentials, so the SDK would use the container's or the instance's role (%s)", end.Profile, w.provider)
	case profiles.SourceCredentialSource:
		s = fmt.Sprintf("profile %q takes its credentials from %s", end.Profile, credentialSource(end))
	default:
		s = fmt.Sprintf("profile %q takes its credentials from %s (the SDK's %s)", end.Profile, w.what, w.provider)
		if end.CredentialProcess != "" {
			s += ", which the SDK uses before its credential_process"
		}
	}
	// A web identity profile assumes its own role_arn with the token.
	roles := len(chain.Roles())
	if src == profiles.SourceWebIdentity && end.RoleARN != "" {
		roles--
	}
	switch {
	case roles == 1:
		s += "; the SDK's stscreds.AssumeRoleProvider assumes the role above it with them and signs"
	case roles > 1:
		s += fmt.Sprintf("; the SDK's stscreds.AssumeRoleProvider assumes the %d roles above it in turn and signs", roles)
	}
	return "not a credential_process chain: " + s
}

// credentialSource says what a profile's credential_source is and which
// of the SDK's providers serves it. The value is quoted only when it is
// one the SDK knows.
func credentialSource(p *config.SharedConfig) string {
	switch p.CredentialSource {
	case "Environment":
		return "credential_source = Environment (the SDK's credentials.StaticCredentialsProvider, with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
	case "Ec2InstanceMetadata":
		return "credential_source = Ec2InstanceMetadata (the SDK's ec2rolecreds.Provider)"
	case "EcsContainer":
		return "credential_source = EcsContainer (the SDK's endpointcreds.Provider)"
	}
	return "credential_source, with a value the SDK rejects (it takes Environment, Ec2InstanceMetadata or EcsContainer)"
}

// showChain reports whether the text report lists r's chain: when it has
// more than the profile the command line already names.
func showChain(r *report) bool {
	if len(r.Chain) == 0 {
		return false
	}
	end := r.Chain[len(r.Chain)-1]
	return len(r.Chain) > 1 || end.RoleARN != "" || end.Credentials != sourceWords[profiles.SourceProcess].key
}

// roleSettings is what AssumeRole sends besides the role.
func roleSettings(h hop) string {
	session := "session chosen by the SDK"
	if h.RoleSessionName != "" {
		session = "session " + shown(h.RoleSessionName)
	}
	if h.ExternalID != "" {
		session += ", external id " + shown(h.ExternalID)
	}
	if h.MFA {
		session += ", MFA code needed"
	}
	return " (" + session + ")"
}

// sourceText says where the last hop of a chain that runs no
// credential_process takes its credentials.
func sourceText(h hop) string {
	for _, w := range sourceWords {
		if w.key == h.Credentials {
			return w.what
		}
	}
	return shown(h.Credentials)
}

// writeChain lists r's chain in the text report, from the profile down to
// the command or the credentials it ends in, each role with what
// AssumeRole sends.
func writeChain(w io.Writer, r *report) {
	fmt.Fprintf(w, "Chain of profile %q, as the SDK resolves it\n", shown(r.Profile))
	row := func(label, value string) { fmt.Fprintf(w, "  %s\t%s\n", label, value) }
	for i, h := range r.Chain {
		row("profile", shown(h.Profile))
		// A web identity profile assumes its role_arn with the token: no
		// AssumeRole of its own.
		if h.RoleARN != "" && (i < len(r.Chain)-1 || h.Credentials != sourceWords[profiles.SourceWebIdentity].key) {
			row("role", shown(h.RoleARN)+roleSettings(h))
		}
	}
	if end := r.Chain[len(r.Chain)-1]; end.Credentials == sourceWords[profiles.SourceProcess].key {
		row("command", shown(r.Program)+" (credential_process)")
	} else {
		row("credentials", sourceText(end))
	}
}
