package strategy_test

import (
	"fmt"
	"time"

	"github.com/seed-dcc28122/credprocess/provider"
	"github.com/seed-dcc28122/credprocess/strategy"
)

// A custom strategy: refresh when a tenth of the lifetime is left.
func ExampleFunc() {
	tenthLeft := strategy.Func(func(expires, now time.Time) time.Time {
		return expires.Add(-expires.Sub(now) / 10)
	})

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println(tenthLeft.RefreshAt(now.Add(time.Hour), now).Format(time.Kitchen))

	_ = provider.New("my-broker --role reader", func(o *provider.Options) { o.Strategy = tenthLeft })
	// Output: 12:54PM
}

func ExampleBeforeExpiredWithJitter() {
	s := strategy.BeforeExpiredWithJitter{Window: 10 * time.Minute}

	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := s.RefreshAt(now.Add(time.Hour), now)
	fmt.Println(!at.Before(now.Add(50*time.Minute)) && !at.After(now.Add(time.Hour)))
	// Output: true
}
