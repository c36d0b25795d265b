package credprocess_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

// When a later option replaces the credentials WithCredentialProcess or
// WithProfile set, a rejection of those other credentials is none of the
// middleware's business: it runs nothing and replays nothing.
func TestForeignCredentialsNotReplayed(t *testing.T) {
	const foreign = "AKIDFOREIGN"
	for _, op := range operations {
		t.Run(op.name, func(t *testing.T) {
			srv := newServer(t, false)
			srv.Allow(foreign, "foreignsecret", "foreigntoken")
			srv.Expire(foreign)
			srv.Allow(rotateKey(1))
			command, runs := rotateCommand(t, false)
			cfg := loadConfig(t, srv, command,
				config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(foreign, "foreignsecret", "foreigntoken")))

			err := op.call(context.Background(), cfg)

			if got := awstest.ErrorCode(t, err); got != op.expired {
				t.Errorf("error code = %q; want %q (err %v)", got, op.expired, err)
			}
			want := []awstest.Request{{Service: op.service, Operation: op.op,
				AccessKeyID: foreign, SessionToken: "foreigntoken", ErrorCode: op.expired}}
			if diff := cmp.Diff(want, srv.Requests(), ignoreStatus); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if got := runs(); got != 0 {
				t.Errorf("command runs = %d; want 0", got)
			}
		})
	}
	// The same through WithProfile.
	t.Run("WithProfile", func(t *testing.T) {
		srv := newServer(t, false)
		srv.Allow(foreign, "foreignsecret", "")
		srv.Revoke(foreign)
		command, runs := rotateCommand(t, false)
		cfgFile := writeConfig(t, "[profile dev]\ncredential_process = "+command+"\n")
		opts := append(endpointOptions(srv), config.WithSharedConfigFiles([]string{cfgFile}),
			credprocess.WithProfile("dev"),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(foreign, "foreignsecret", "")))
		cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		op := operations[2] // STS
		err = op.call(context.Background(), pointAt(cfg, srv))
		if got := awstest.ErrorCode(t, err); got != op.revoked {
			t.Errorf("error code = %q; want %q (err %v)", got, op.revoked, err)
		}
		if n := srv.Count(); n != 1 {
			t.Errorf("%d requests; want 1", n)
		}
		if got := runs(); got != 0 {
			t.Errorf("command runs = %d; want 0", got)
		}
	})
}
