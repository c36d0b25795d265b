//go:build !linux

package provider_test

import "testing"

func fullFilesystem(t *testing.T) string {
	t.Skip("a small filesystem is mounted on Linux only")
	return ""
}
