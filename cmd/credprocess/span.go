package main

import (
	"fmt"
	"time"
)

// span says how long it is from one time to another (either order) for a
// person: in its two largest calendar units, when the second is not zero
// ("2 years 11 months", "3 days", "1 hour 5 minutes"), rounded down.
// Months and years are counted on the calendar from the earlier time, in
// UTC, so that "1 month" after January 31 is March 3 at the latest.
func span(from, to time.Time) string {
	from, to = from.UTC(), to.UTC()
	if to.Before(from) {
		from, to = to, from
	}
	months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
	if months > 0 && from.AddDate(0, months, 0).After(to) {
		months--
	}
	rest := to.Sub(from.AddDate(0, months, 0))
	units := []struct {
		n         int64
		one, many string
	}{
		{int64(months / 12), "year", "years"},
		{int64(months % 12), "month", "months"},
		{int64(rest / (24 * time.Hour)), "day", "days"},
		{int64(rest % (24 * time.Hour) / time.Hour), "hour", "hours"},
		{int64(rest % time.Hour / time.Minute), "minute", "minutes"},
		{int64(rest % time.Minute / time.Second), "second", "seconds"},
	}
	for i, u := range units {
		if u.n == 0 {
			continue
		}
		s := count(u.n, u.one, u.many)
		if i+1 < len(units) && units[i+1].n != 0 {
			s += " " + count(units[i+1].n, units[i+1].one, units[i+1].many)
		}
		return s
	}
	return "less than a second"
}

func count(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
