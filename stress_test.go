package credprocess_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithymiddleware "github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/seed-dcc28122/credprocess"
	"github.com/seed-dcc28122/credprocess/internal/awstest"
	"github.com/seed-dcc28122/credprocess/internal/proctest"
	"github.com/seed-dcc28122/credprocess/provider"
)

const (
	stressDuration   = 3 * time.Second
	stressRetrievers = 1900 // goroutines calling the cache's Retrieve
	stressCallers    = 100  // goroutines calling STS GetCallerIdentity
	stressKeys       = 5000 // keys the endpoint knows in advance
	// flakyFailTime is how long a failing run of flaky.sh takes at least.
	flakyFailTime = 20 * time.Millisecond
)

// use is one moment credentials were asked for: when the asking started
// (relative to the test's start) and the number of the flaky.sh key served.
type use struct {
	at  time.Duration
	key int
}

// attempt is one signed attempt of an operation, as seen below the retryer.
type attempt struct {
	use
	code string // API error code; "" on success
}

// opRecord collects the attempts of one operation call; only the calling
// goroutine writes it.
type opRecord struct {
	attempts []attempt
	end      time.Duration
}

type opRecordKey struct{}

// recordAttempts sits before the SDK's GetIdentity, so it sees each attempt
// from the moment credentials are asked for until its response.
type recordAttempts struct{ base time.Time }

func (recordAttempts) ID() string { return "StressRecordAttempts" }

func (r recordAttempts) HandleFinalize(ctx context.Context, in smithymiddleware.FinalizeInput, next smithymiddleware.FinalizeHandler) (
	smithymiddleware.FinalizeOutput, smithymiddleware.Metadata, error,
) {
	at := time.Since(r.base)
	out, md, err := next.HandleFinalize(ctx, in)
	rec, _ := ctx.Value(opRecordKey{}).(*opRecord)
	req, _ := in.Request.(*smithyhttp.Request)
	if rec == nil || req == nil {
		return out, md, err
	}
	// An attempt without credentials (the command failed) signed nothing.
	if key := flakyKeyNumber(req.Header.Get("Authorization")); key != 0 {
		a := attempt{use: use{at: at, key: key}}
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			a.code = apiErr.ErrorCode()
		}
		rec.attempts = append(rec.attempts, a)
	}
	return out, md, err
}

// flakyKeyNumber returns N of the AKIDFLAKY key in s, or 0.
func flakyKeyNumber(s string) int {
	_, rest, ok := strings.Cut(s, "AKIDFLAKY")
	if !ok || len(rest) < 5 {
		return 0
	}
	n, _ := strconv.Atoi(rest[:5])
	return n
}

// chaos is what the stress test did to the command and the endpoint.
type chaos struct {
	ticks        int           // rounds of chaos
	bans         int           // keys expired or revoked at the endpoint
	failPeriods  int           // times the command started failing
	failTime     time.Duration // total time it failed
	failingSince time.Time
}

// TestStress: thousands of goroutines retrieve credentials and make STS
// calls through one config built with WithCredentialProcess while the
// command fails now and then, hands out a new key on every run, sometimes
// for two seconds only, and the endpoint expires or revokes the newest
// key. No expired credentials may be served, no key may be served after an
// operation saw the endpoint reject it (by then the middleware has
// refreshed), and the command runs a number of times bounded by what
// happened, however many goroutines ask.
//
// A key rejected by the endpoint while the rejection backoff is on (the key
// a refresh just fetched, rejected in turn) stays in service until the
// backoff ends; only a replay proves that the middleware refreshed.
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	t.Parallel()
	command, state := flakyCommand(t, 20*time.Second)
	srv := awstest.New()
	defer srv.Close()
	for n := 1; n <= stressKeys; n++ {
		srv.Allow(flakyKey(n))
	}

	base := time.Now()
	cfg, err := config.LoadDefaultConfig(context.Background(), append(endpointOptions(srv),
		credprocess.WithCredentialProcess(command, func(o *provider.Options) {
			o.MinRefreshInterval = 50 * time.Millisecond
			o.Timeout = faultTimeout
		}),
		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{func(s *smithymiddleware.Stack) error {
			return s.Finalize.Insert(recordAttempts{base}, "GetIdentity", smithymiddleware.Before)
		}}))...)
	if err != nil {
		t.Fatal(err)
	}
	log := &logRecorder{}
	cfg.Logger = log
	// The callers share a few connections, as a real client would.
	transport := srv.HTTPClient().Transport.(*http.Transport).Clone()
	transport.MaxConnsPerHost, transport.MaxIdleConnsPerHost = 32, 32
	defer transport.CloseIdleConnections()
	cfg.HTTPClient = &http.Client{Transport: transport}
	client := sts.NewFromConfig(cfg)

	ctx := context.Background()
	deadline := base.Add(stressDuration)
	var (
		mu         sync.Mutex // guards uses, ops and errs
		uses       []use
		ops        []*opRecord
		errs       = map[string]int{}
		wg         sync.WaitGroup
		unexpected []error
	)
	for range stressRetrievers {
		wg.Go(func() {
			var mine []use
			for time.Now().Before(deadline) {
				at := time.Since(base)
				creds, err := cfg.Credentials.Retrieve(ctx)
				if err != nil {
					mu.Lock()
					if commandFailed(err) {
						errs["Retrieve: command failed"]++
					} else {
						unexpected = append(unexpected, err)
					}
					mu.Unlock()
				} else {
					mine = append(mine, use{at, flakyKeyNumber(creds.AccessKeyID)})
				}
				time.Sleep(time.Duration(20+rand.IntN(40)) * time.Millisecond)
			}
			mu.Lock()
			uses = append(uses, mine...)
			mu.Unlock()
		})
	}
	for range stressCallers {
		wg.Go(func() {
			var mine []*opRecord
			for time.Now().Before(deadline) {
				rec := &opRecord{}
				_, err := client.GetCallerIdentity(context.WithValue(ctx, opRecordKey{}, rec), &sts.GetCallerIdentityInput{})
				rec.end = time.Since(base)
				mine = append(mine, rec)
				if err != nil {
					var apiErr smithy.APIError
					mu.Lock()
					switch {
					case commandFailed(err):
						errs["GetCallerIdentity: command failed"]++
					case errors.As(err, &apiErr) && rejection[apiErr.ErrorCode()]:
						errs["GetCallerIdentity: "+apiErr.ErrorCode()]++
					default:
						unexpected = append(unexpected, err)
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			ops = append(ops, mine...)
			mu.Unlock()
		})
	}
	ch := runChaos(t, srv, state, deadline)
	wg.Wait()

	for i, err := range unexpected {
		if i == 5 {
			t.Errorf("... %d unexpected errors in all", len(unexpected))
			break
		}
		t.Errorf("unexpected error: %v", err)
	}
	checkStress(t, state, base, uses, ops, ch)
	assertSecretFree(t, "client log", nil, log.all())
	t.Logf("%d Retrieve calls, %d operations, %d runs; chaos: %d rounds, %d bans, %d failing periods (%v); errors: %v",
		len(uses), len(ops), flakyRuns(t, state), ch.ticks, ch.bans, ch.failPeriods, ch.failTime.Round(time.Millisecond), errs)
}

// commandFailed reports whether err is flaky.sh failing, or printing
// credentials that expired before they were read: on a loaded machine a
// run can outlast a two-second life truncated to the second.
func commandFailed(err error) bool {
	var pe *provider.ProcessError
	return errors.As(err, &pe) || errors.Is(err, provider.ErrExpired)
}

// rejection holds the codes with which the endpoint rejects an expired or
// revoked key.
var rejection = map[string]bool{"ExpiredToken": true, "InvalidClientTokenId": true}

// runChaos, until deadline, now and then expires or revokes the newest key
// at the endpoint, makes the command fail for 100 to 300 ms, or changes how
// long its credentials live.
func runChaos(t *testing.T, srv *awstest.Server, state string, deadline time.Time) chaos {
	var ch chaos
	fail := filepath.Join(state, "fail")
	setFailing := func(on bool) {
		switch {
		case on && ch.failingSince.IsZero():
			writeFile(t, fail, "")
			ch.failPeriods++
			ch.failingSince = time.Now()
		case !on && !ch.failingSince.IsZero():
			os.Remove(fail)
			ch.failTime += time.Since(ch.failingSince)
			ch.failingSince = time.Time{}
		}
	}
	var failUntil time.Time
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		ch.ticks++
		if time.Now().After(failUntil) {
			setFailing(false)
		}
		switch r := rand.Float64(); {
		case r < 0.40:
			akid, _, _ := flakyKey(flakyRuns(t, state))
			if rand.IntN(2) == 0 {
				srv.Expire(akid)
			} else {
				srv.Revoke(akid)
			}
			ch.bans++
		case r < 0.55 && proctest.Runs(t, filepath.Join(state, "keys")) >= 2:
			// Only once keys rotate: a failed run is returned for a
			// couple of seconds without another run, which at the start
			// would leave nothing to rotate in a few seconds of chaos.
			setFailing(true)
			failUntil = time.Now().Add(time.Duration(100+rand.IntN(200)) * time.Millisecond)
		case r < 0.65:
			writeFile(t, filepath.Join(state, "life"), []string{"2", "20"}[rand.IntN(2)])
		}
	}
	setFailing(false)
	return ch
}

// checkStress checks the record of a stress run against the keys flaky.sh
// printed.
func checkStress(t *testing.T, state string, base time.Time, uses []use, ops []*opRecord, ch chaos) {
	t.Helper()
	expiry := map[int]time.Duration{}
	b, err := os.ReadFile(filepath.Join(state, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		var n int
		var stamp string
		if _, err := fmt.Sscan(line, &n, &stamp); err != nil {
			t.Fatalf("keys line %q: %v", line, err)
		}
		exp, err := time.Parse(time.RFC3339, stamp)
		if err != nil {
			t.Fatal(err)
		}
		expiry[n] = exp.Sub(base)
	}

	// A key is banned once an operation that saw it rejected has refreshed
	// and replayed: from the start of its replay. An operation that saw a
	// rejection and did not replay may have been answered by the rejection
	// backoff, which keeps the set in service.
	banned := map[int]time.Duration{}
	all := append([]use(nil), uses...)
	for _, op := range ops {
		for i, a := range op.attempts {
			all = append(all, a.use)
			if rejection[a.code] && i+1 < len(op.attempts) {
				from := op.attempts[i+1].at
				if at, ok := banned[a.key]; !ok || from < at {
					banned[a.key] = from
				}
			}
		}
	}
	var expired int
	var reserved []string
	for _, u := range all {
		exp, ok := expiry[u.key]
		switch {
		case !ok:
			t.Fatalf("served key %d, which flaky.sh never printed", u.key)
		case u.at >= exp:
			if expired++; expired <= 5 {
				t.Errorf("key %d was served when asked for at +%v, after it expired at +%v", u.key, u.at, exp)
			}
		}
		if at, ok := banned[u.key]; ok && u.at > at {
			reserved = append(reserved, fmt.Sprintf("key %d was served when asked for at +%v, after an operation saw it rejected and refreshed at +%v",
				u.key, u.at, at))
		}
	}
	if expired > 0 {
		t.Errorf("%d expired keys served in %d uses", expired, len(all))
	}
	t.Run("no rejected key served again", func(t *testing.T) {
		if len(reserved) == 0 {
			return
		}
		for _, r := range reserved[:min(5, len(reserved))] {
			t.Error(r)
		}
		t.Errorf("%d uses of rejected keys in %d uses", len(reserved), len(all))
	})

	// Each good run answers a cold start, a natural expiry (keys live at
	// least a second) or a ban; each failed run takes flakyFailTime, and at
	// most two run at once (one the cache waits for, one in the background).
	seconds := int(stressDuration / time.Second)
	good := len(expiry)
	if most := 2 + 2*ch.bans + 2*seconds; good > most {
		t.Errorf("%d good runs for %d bans in %d seconds; want at most %d", good, ch.bans, seconds, most)
	}
	if good < 2 || len(banned) == 0 {
		t.Errorf("%d good runs and %d keys seen rejected: the run rotated nothing", good, len(banned))
	}
	failed := flakyRuns(t, state) - good
	if most := 2 * (int(ch.failTime/flakyFailTime) + ch.failPeriods + 1); failed > most {
		t.Errorf("%d failed runs in %d failing periods lasting %v; want at most %d", failed, ch.failPeriods, ch.failTime, most)
	}
}
