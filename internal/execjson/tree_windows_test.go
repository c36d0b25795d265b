//go:build windows

package execjson

import "golang.org/x/sys/windows"

// processAlive reports whether pid runs. tasklist.exe is a stub under Wine,
// so the process is asked directly.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h) //nolint:errcheck // read-only use
	ev, err := windows.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(windows.WAIT_TIMEOUT)
}

// killGroupOf does nothing: Windows has no process groups, and a run's Job
// Object ends what the command started.
func killGroupOf(int) {}
