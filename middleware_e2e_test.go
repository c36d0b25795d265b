package credprocess_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seed-dcc28122/credprocess/internal/awstest"
)

func TestRetryOnAuthFailureE2E(t *testing.T) {
	allow := func(srv *awstest.Server, ns ...int) {
		for _, n := range ns {
			srv.Allow(rotateKey(n))
		}
	}
	key := func(n int) string { akid, _, _ := rotateKey(n); return akid }
	tests := []struct {
		name     string
		same     bool // the command keeps printing the rejected key
		setup    func(srv *awstest.Server)
		attempts func(op operation) []string // error code per attempt, "" for success
		wantErr  func(op operation) string
		wantRuns int
	}{
		{
			name:     "expired once replays with the new key",
			setup:    func(srv *awstest.Server) { allow(srv, 1, 2); srv.Expire(key(1)) },
			attempts: func(op operation) []string { return []string{op.expired, ""} },
			wantErr:  func(operation) string { return "" },
			wantRuns: 2,
		},
		{
			name:     "unknown key replays with the new key",
			setup:    func(srv *awstest.Server) { allow(srv, 2) },
			attempts: func(op operation) []string { return []string{op.revoked, ""} },
			wantErr:  func(operation) string { return "" },
			wantRuns: 2,
		},
		{
			name:     "rejected always replays once",
			setup:    func(srv *awstest.Server) { allow(srv, 1, 2); srv.Expire(key(1)); srv.Expire(key(2)) },
			attempts: func(op operation) []string { return []string{op.expired, op.expired} },
			wantErr:  func(op operation) string { return op.expired },
			wantRuns: 2,
		},
		{
			name:     "access denied runs nothing and does not replay",
			setup:    func(srv *awstest.Server) { allow(srv, 1); srv.Deny(key(1)) },
			attempts: func(op operation) []string { return []string{op.denied} },
			wantErr:  func(op operation) string { return op.denied },
			wantRuns: 1,
		},
		{
			name:     "same key from the command is not replayed",
			same:     true,
			setup:    func(srv *awstest.Server) { allow(srv, 1); srv.Expire(key(1)) },
			attempts: func(op operation) []string { return []string{op.expired} },
			wantErr:  func(op operation) string { return op.expired },
			wantRuns: 2,
		},
	}
	for _, tt := range tests {
		for _, op := range operations {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				srv := newServer(t, false)
				tt.setup(srv)
				command, runs := rotateCommand(t, tt.same)
				cfg := loadConfig(t, srv, command)

				err := op.call(context.Background(), cfg)

				if got, want := awstest.ErrorCode(t, err), tt.wantErr(op); got != want {
					t.Errorf("error code = %q; want %q (err %v)", got, want, err)
				}
				var want []awstest.Request
				for i, code := range tt.attempts(op) {
					n := i + 1
					if tt.same {
						n = 1
					}
					akid, _, token := rotateKey(n)
					want = append(want, awstest.Request{Service: op.service, Operation: op.op,
						AccessKeyID: akid, SessionToken: token, ErrorCode: code})
				}
				if diff := cmp.Diff(want, srv.Requests(), ignoreStatus); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
				if got := runs(); got != tt.wantRuns {
					t.Errorf("command runs = %d; want %d", got, tt.wantRuns)
				}
			})
		}
	}
}
