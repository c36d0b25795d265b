package provider

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/seed-dcc28122/credprocess/internal/served"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// t0 is when the first set of every row below arrives.
var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// hourLong is a set fetched at t0 that expires an hour later; with the
// rules below it is due at t0+30m and expiring from t0+1h-5s.
var hourLong = aws.Credentials{AccessKeyID: "AKIDSTATE0001", SecretAccessKey: "s", SessionToken: "t1", CanExpire: true, Expires: t0.Add(time.Hour)}

var nextSet = aws.Credentials{AccessKeyID: "AKIDSTATE0002", SecretAccessKey: "s", SessionToken: "t2", CanExpire: true, Expires: t0.Add(2 * time.Hour)}

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// moment is a condition expected at a moment.
type moment struct {
	at   time.Time
	want condition
}

// TestTransitions has a row for each line of the event table on
// condition: from a state in some condition, an event at a moment, and
// the condition then, and at a later moment where the row says.
func TestTransitions(t *testing.T) {
	errBroker := errors.New("broker unavailable")
	tests := []struct {
		name  string
		setup func(*state) // the state before the event
		event func(*state)
		check []moment
	}{
		{
			name:  "a run returns a set, from cold",
			setup: func(*state) {},
			event: func(s *state) { s.fetched(hourLong, t0, nil) },
			check: []moment{{at(0), fresh}},
		},
		{
			name: "a run returns a set, from rejected",
			setup: func(s *state) {
				s.fetched(hourLong, t0, nil)
				s.withdraw(served.SetOf(hourLong.AccessKeyID, hourLong.SessionToken))
			},
			event: func(s *state) { s.fetched(nextSet, at(time.Minute), nil) },
			check: []moment{{at(time.Minute), fresh}},
		},
		{
			name:  "a run returns a set, from expiring",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.fetched(nextSet, at(time.Hour-time.Second), nil) },
			check: []moment{{at(time.Hour - time.Second), fresh}},
		},
		{
			name:  "a run returns a set, from failing after the backoff",
			setup: func(s *state) { s.failed(t0, errBroker, false) },
			event: func(s *state) { s.fetched(hourLong, at(failureBackoff), nil) },
			check: []moment{{at(failureBackoff), fresh}},
		},
		{
			name:  "a run fails with the held set valid, from due: fresh until the retry, then due",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.failed(at(30*time.Minute), errBroker, false) },
			check: []moment{{at(30 * time.Minute), fresh}, {at(31 * time.Minute), due}},
		},
		{
			name:  "a run fails with the held set valid, from expiring: expiring still",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.failed(at(time.Hour-2*time.Second), errBroker, false) },
			check: []moment{{at(time.Hour - 2*time.Second), expiring}},
		},
		{
			name:  "a background run without Stdin fails: fresh until the last seconds",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.failed(at(30*time.Minute), errBroker, true) },
			check: []moment{{at(50 * time.Minute), fresh}, {at(time.Hour - 5*time.Second), expiring}},
		},
		{
			name:  "a run fails with nothing held: failing, then cold",
			setup: func(*state) {},
			event: func(s *state) { s.failed(t0, errBroker, false) },
			check: []moment{{at(0), failing}, {at(failureBackoff), cold}},
		},
		{
			name:  "a run fails after expiry: failing, then expiring",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.failed(at(time.Hour), errBroker, false) },
			check: []moment{{at(time.Hour), failing}, {at(time.Hour + failureBackoff), expiring}},
		},
		{
			name: "a run fails after a rejection: failing, then rejected",
			setup: func(s *state) {
				s.fetched(hourLong, t0, nil)
				s.withdraw(served.SetOf(hourLong.AccessKeyID, hourLong.SessionToken))
			},
			event: func(s *state) { s.failed(at(time.Minute), errBroker, false) },
			check: []moment{{at(time.Minute), failing}, {at(time.Minute + failureBackoff), rejected}},
		},
		{
			name:  "the refresh moment passes",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(*state) {},
			check: []moment{{at(30*time.Minute - time.Nanosecond), fresh}, {at(30 * time.Minute), due}},
		},
		{
			name:  "the last seconds begin",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(*state) {},
			check: []moment{{at(time.Hour - 5*time.Second - time.Nanosecond), due}, {at(time.Hour - 5*time.Second), expiring}},
		},
		{
			name:  "the set is rejected",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.withdraw(served.SetOf(hourLong.AccessKeyID, hourLong.SessionToken)) },
			check: []moment{{at(0), rejected}, {at(time.Hour), rejected}},
		},
		{
			name:  "another set is rejected",
			setup: func(s *state) { s.fetched(hourLong, t0, nil) },
			event: func(s *state) { s.withdraw(served.SetOf(nextSet.AccessKeyID, nextSet.SessionToken)) },
			check: []moment{{at(0), fresh}},
		},
		{
			name:  "a set that never expires",
			setup: func(*state) {},
			event: func(s *state) { s.fetched(aws.Credentials{AccessKeyID: "AKIDLONGTERM", SecretAccessKey: "s"}, t0, nil) },
			check: []moment{{at(0), fresh}, {at(1000 * time.Hour), fresh}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := state{rules: rules{
				strategy:           strategy.Func(func(exp, _ time.Time) time.Time { return exp.Add(-30 * time.Minute) }),
				minRefreshInterval: time.Minute,
			}}
			tt.setup(&s)
			tt.event(&s)
			for _, c := range tt.check {
				if got := s.condition(c.at); got != c.want {
					t.Errorf("condition at t0+%v = %v; want %v", c.at.Sub(t0), got, c.want)
				}
			}
		})
	}
}
