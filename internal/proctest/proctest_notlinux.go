//go:build !linux

package proctest

// Supported reports whether [LiveMembers] can see process groups here.
const Supported = false

// LiveMembers returns nil: process groups are not inspected on this system.
func LiveMembers(int) []int { return nil }
