package fleetsim

import (
	"math"
	"slices"
	"time"
)

// Result is what one fleet did under one policy. Times are in seconds
// relative to the shared expiry: negative before it.
type Result struct {
	// Policy and Rate name the policy and the rate class that ran.
	Policy string
	Rate   string

	// Times holds every host's refresh moment, sorted.
	Times []float64

	// Peak is the most runs the broker saw in one whole second, and PeakAt
	// the start of that second.
	Peak   int
	PeakAt float64

	// AfterExpiry counts refreshes at or after expiry: runs on a call that
	// found the set already expired, and so waited for the command.
	AfterExpiry int
}

func newResult(policy, rate string, times []float64) Result {
	slices.Sort(times)
	r := Result{Policy: policy, Rate: rate, Times: times}
	for i := 0; i < len(times); {
		sec := math.Floor(times[i])
		j := i
		for j < len(times) && times[j] < sec+1 {
			j++
		}
		if j-i > r.Peak {
			r.Peak, r.PeakAt = j-i, sec
		}
		i = j
	}
	i, _ := slices.BinarySearch(times, 0)
	r.AfterExpiry = len(times) - i
	return r
}

// AfterExpiryShare is AfterExpiry as a fraction of the hosts.
func (r Result) AfterExpiryShare() float64 {
	return float64(r.AfterExpiry) / float64(len(r.Times))
}

// Min returns the earliest refresh relative to expiry.
func (r Result) Min() time.Duration { return seconds(r.Times[0]) }

// Median returns the median refresh relative to expiry (the lower one of an
// even count).
func (r Result) Median() time.Duration { return seconds(r.Times[(len(r.Times)-1)/2]) }

// Max returns the latest refresh relative to expiry.
func (r Result) Max() time.Duration { return seconds(r.Times[len(r.Times)-1]) }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Minutes returns the per-minute histogram from minute from to minute to
// (exclusive) relative to expiry: counts[i] is the number of refreshes in
// [from+i, from+i+1) minutes. Minute -1 ends at expiry, minute 0 starts at
// it. Refreshes outside the range are not counted.
func (r Result) Minutes(from, to int) []int {
	counts := make([]int, to-from)
	for _, t := range r.Times {
		m := int(math.Floor(t/60)) - from
		if m >= 0 && m < len(counts) {
			counts[m]++
		}
	}
	return counts
}

// TotalVariation returns the total-variation distance between the
// distributions two histograms of the same bins describe: half the sum of
// the absolute differences of their shares, 0 for the same shape, 1 for
// disjoint ones.
func TotalVariation(a, b []int) float64 {
	var na, nb float64
	for i := range a {
		na += float64(a[i])
		nb += float64(b[i])
	}
	var d float64
	for i := range a {
		d += math.Abs(float64(a[i])/na - float64(b[i])/nb)
	}
	return d / 2
}
