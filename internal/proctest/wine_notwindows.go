//go:build !windows

package proctest

// UnderWine reports false: Wine runs Windows programs only.
func UnderWine() bool { return false }
