package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/seed-dcc28122/credprocess/internal/execjson"
)

// TestProviderPrintsItsProgramOnly: every verb prints the provider inside a
// cache as its program's name, after a run as before: not the command's
// arguments, its environment, or the credentials it holds.
func TestProviderPrintsItsProgramOnly(t *testing.T) {
	const secret, token = "pLaNtEdSeCrEtKeY/0123456789", "pLaNtEdSeSsIoNtOkEn+AAAA=="
	p := newProvider(execjson.Command{Shell: "fetch-creds --password hunter2"}, []func(*Options){func(o *Options) {
		o.Env = append(os.Environ(), "AWS_SECRET_ACCESS_KEY="+secret)
	}})
	p.run = func(context.Context, execjson.Command) (execjson.Result, error) {
		return execjson.Result{Stdout: fmt.Appendf(nil, `{"Version":1,"AccessKeyId":"AKIDPRINT","SecretAccessKey":%q,"SessionToken":%q}`, secret, token)}, nil
	}
	c := newCache(p)
	if _, err := c.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T"} {
		got := fmt.Sprintf(verb, p)
		for _, leak := range []string{secret, token, "hunter2"} {
			if strings.Contains(got, leak) {
				t.Errorf("Sprintf(%q, provider) = %s; holds %q", verb, got, leak)
			}
		}
	}
}
