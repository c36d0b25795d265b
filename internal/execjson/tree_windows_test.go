//go:build windows

package execjson

// killGroupOf does nothing: Windows has no process groups, and a run's Job
// Object ends what the command started.
func killGroupOf(int) {}
