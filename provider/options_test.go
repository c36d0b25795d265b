package provider_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-dcc28122/credprocess/provider"
)

// TestNilOptionFuncs passes nil option functions, as a caller building its
// option list conditionally may: they are skipped.
func TestNilOptionFuncs(t *testing.T) {
	var unset func(*provider.Options)
	var unsetFiles func(*config.LoadSharedConfigOptions)
	noFiles := func(o *config.LoadSharedConfigOptions) { o.ConfigFiles, o.CredentialsFiles = []string{}, []string{} }
	for name, build := range map[string]func(){
		"New":     func() { provider.New("true", nil, unset) },
		"NewArgs": func() { provider.NewArgs([]string{"true"}, nil) },
		"CommandFromProfile": func() {
			provider.CommandFromProfile(context.Background(), "none", noFiles, nil, unsetFiles) //nolint:errcheck // the profile does not exist
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s with nil option functions panicked: %v", name, r)
				}
			}()
			build()
		})
	}
}
