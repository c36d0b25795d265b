package credprocess_test

import (
	"context"
	"flag"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/provider"
)

// rejectedFor, when set, makes TestRejectedSetRunsOncePerBackoff loop for
// that long in each case and log the runs, as BENCHMARKS.md reports them:
//
//	go test -run TestRejectedSetRunsOncePerBackoff -rejected.for 10s -v .
var rejectedFor = flag.Duration("rejected.for", 0, "loop each rejected-set case this long and log its runs")

// TestRejectedSetRunsOncePerBackoff: when the service rejects every set the
// command prints (a deactivated long-term key, or a fresh session that is
// rejected too), operations looping on four goroutines run the command once
// per backoff interval, not once per operation; each operation gets the
// service's own error code.
func TestRejectedSetRunsOncePerBackoff(t *testing.T) {
	const goroutines, perGoroutine = 4, 25
	modes := []struct {
		name, mode string
	}{
		{"long-term key", "fixed"},
		{"fresh session per run", "session"},
	}
	setups := []struct {
		name string
		// load returns the config options that make the client sign with
		// the command.
		load func(line string) config.LoadOptionsFunc
		// bounded: the runs are checked against the backoff; otherwise
		// only logged, as the reference.
		bounded bool
	}{
		{"WithCredentialProcess", func(line string) config.LoadOptionsFunc {
			return credprocess.WithCredentialProcess(line)
		}, true},
		{"provider.New without the middleware", func(line string) config.LoadOptionsFunc {
			return config.WithCredentialsProvider(provider.New(line))
		}, false},
		{"processcreds", func(line string) config.LoadOptionsFunc {
			return config.WithCredentialsProvider(aws.NewCredentialsCache(processcreds.NewProvider(line)))
		}, false},
	}
	for _, m := range modes {
		for _, s := range setups {
			t.Run(m.name+"/"+s.name, func(t *testing.T) {
				if !s.bounded && *rejectedFor == 0 {
					t.Skip("a reference figure, measured with -rejected.for")
				}
				srv := awstest.New() // accepts no key at all
				t.Cleanup(srv.Close)
				line, runs := selfProducer(t, m.mode, "AKIDREJECTED")
				opts := append(endpointOptions(srv), s.load(line))
				cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
				if err != nil {
					t.Fatal(err)
				}
				client := sts.NewFromConfig(pointAt(cfg, srv))

				var ops, wrong atomic.Int64
				start := time.Now()
				var wg sync.WaitGroup
				for range goroutines {
					wg.Go(func() {
						for i := 0; ; i++ {
							if *rejectedFor > 0 && time.Since(start) >= *rejectedFor ||
								*rejectedFor == 0 && i == perGoroutine {
								return
							}
							_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
							ops.Add(1)
							if code := awstest.ErrorCode(t, err); code != "InvalidClientTokenId" {
								wrong.Add(1)
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				srv.HTTPClient().CloseIdleConnections()

				t.Logf("%d operations in %v: %d runs, %d requests", ops.Load(), elapsed.Round(time.Millisecond), runs(), srv.Count())
				if n := wrong.Load(); n > 0 {
					t.Errorf("%d operations did not fail with InvalidClientTokenId", n)
				}
				if !s.bounded {
					return
				}
				// The first run, the run after the first rejection, and one
				// more for each backoff interval that ended in the loop.
				want := 2 + backoffsEnded(elapsed)
				if got := runs(); got > want {
					t.Errorf("command runs = %d; want at most %d in %v", got, want, elapsed)
				}
			})
		}
	}
}

// TestRejectedBrokerKeyInRoleChain: in a role chain whose broker prints a
// key STS rejects for good, operations looping on four goroutines run the
// broker once per backoff interval: each operation's AssumeRole is
// rejected, and the broker's cache is the one that backs off.
func TestRejectedBrokerKeyInRoleChain(t *testing.T) {
	const goroutines, perGoroutine = 4, 25
	srv := awstest.New()
	t.Cleanup(srv.Close)
	line, runs := selfProducer(t, "fixed", "AKIDREJECTEDBROKER")
	writeConfig(t, chainConfig(line))
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(awstest.Region), config.WithBaseEndpoint(srv.URL()),
		credprocess.WithProfile("app"))
	if err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(pointAt(cfg, srv))

	start := time.Now()
	var wrong atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range perGoroutine {
				_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
				if code := awstest.ErrorCode(t, err); code != "InvalidClientTokenId" {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	srv.HTTPClient().CloseIdleConnections()

	if n := wrong.Load(); n > 0 {
		t.Errorf("%d operations did not fail with STS's InvalidClientTokenId", n)
	}
	if got, want := runs(), 2+backoffsEnded(elapsed); got > want {
		t.Errorf("broker runs = %d; want at most %d in %v", got, want, elapsed)
	}
}
