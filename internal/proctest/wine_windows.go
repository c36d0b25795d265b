//go:build windows

package proctest

import "golang.org/x/sys/windows"

// UnderWine reports whether the process runs under Wine, whose ntdll.dll
// exports wine_get_version: a test can name what Wine's own programs (its
// cmd.exe) do differently from Windows'.
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
