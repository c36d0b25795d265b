package middleware_test

import (
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/telemetrytest"
	"github.com/seed-dcc28122/credprocess/middleware"
)

// TestMiddlewareMetrics: a replay is counted by the code that caused it,
// and so is a rejection the backoff answered without a run; with a
// TracerProvider each replay is a span with the code.
func TestMiddlewareMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, tr := &telemetrytest.Meter{}, &telemetrytest.Tracer{}
		p := &rotatingProvider{}
		creds := aws.NewCredentialsCache(p)
		svc := &fakeService{reject: rejectKeys("ExpiredToken", "AKID1", "AKID2")}
		retry := middleware.RetryOnAuthFailure(creds, func(o *middleware.Options) {
			o.MeterProvider, o.TracerProvider = m, tr
		})
		invoke(t, opStack(creds, nil, false), svc, retry) //nolint:errcheck // AKID1 rejected, replay with AKID2 rejected
		invoke(t, opStack(creds, nil, false), svc, retry) //nolint:errcheck // AKID2 rejected within the backoff

		if got := m.Count("credprocess.replays", "code", "ExpiredToken"); got != 1 {
			t.Errorf("credprocess.replays{code=ExpiredToken} = %v; want 1", got)
		}
		if got := m.Count("credprocess.rejections.held", "code", "ExpiredToken"); got != 1 {
			t.Errorf("credprocess.rejections.held{code=ExpiredToken} = %v; want 1", got)
		}
		spans := tr.Spans("credprocess.replay")
		if len(spans) != 1 || spans[0].Property("code") != "ExpiredToken" {
			t.Fatalf("replay spans = %d, code %v; want 1 with ExpiredToken", len(spans), spans)
		}
		if ended, _ := spans[0].Ended(); !ended {
			t.Error("the replay span was not ended")
		}
	})
}
