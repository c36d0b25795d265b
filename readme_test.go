package credprocess_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// TestREADMETryItLocally runs the README's "Try it locally" program as
// written: its producer.sh and main.go, built against this checkout, with
// AWS_ENDPOINT_URL_STS pointing at an endpoint that accepts the key the
// README says `go run ./examples/demo serve` accepts.
func TestREADMETryItLocally(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the README's producer is a POSIX shell script")
	}
	if testing.Short() {
		t.Skip("builds a program")
	}
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start, end := strings.Index(readme, "## Try it locally\n"), strings.Index(readme, "## Quick start\n")
	if start < 0 || end < start {
		t.Fatal("README has no Try it locally section before the Quick start")
	}
	section := readme[start:end]
	heredoc := func(name string) string {
		m := regexp.MustCompile(`(?s)cat > ` + regexp.QuoteMeta(name) + ` <<'EOF'\n(.*?)\nEOF\n`).FindStringSubmatch(section)
		if m == nil {
			t.Fatalf("README section has no heredoc for %s", name)
		}
		return m[1] + "\n"
	}
	for _, want := range []string{"AKIDLOCALDEMO", "local-demo-secret", "go run ./examples/demo serve 127.0.0.1:4566", "AWS_ENDPOINT_URL_STS=http://127.0.0.1:4566 go run ."} {
		if !strings.Contains(section, want) {
			t.Errorf("README section does not mention %q", want)
		}
	}

	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("producer.sh", heredoc("producer.sh"), 0o755)
	write("main.go", heredoc("main.go"), 0o644)
	// What `go mod init`, `go mod edit -replace` and `go mod tidy` make,
	// from this module's requirements, so that the build needs no network.
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	requires := string(gomod[strings.Index(string(gomod), "require"):])
	write("go.mod", "module try\n\ngo 1.26.0\n\n"+requires+
		"\nrequire github.com/seed-dcc28122/credprocess v0.0.0\n\nreplace github.com/seed-dcc28122/credprocess => "+root+"\n", 0o644)
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum), 0o644)

	srv, err := awstest.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Allow("AKIDLOCALDEMO", "local-demo-secret", "")

	cmd := exec.Command("go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL_STS="+srv.URL(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run of the README's program: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "arn:aws:iam::123456789012:user/AKIDLOCALDEMO"; got != want {
		t.Errorf("the README's program printed %q; want %q", got, want)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Operation != "GetCallerIdentity" || reqs[0].ErrorCode != "" {
		t.Errorf("endpoint saw %+v; want one successful GetCallerIdentity", reqs)
	}
}
