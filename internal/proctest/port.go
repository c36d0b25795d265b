package proctest

import (
	"net"
	"testing"
	"time"
)

// PortFree waits until nothing accepts connections on addr and it can be
// listened on again: a stopped endpoint process let go of it. It fails t
// after within.
func PortFree(t testing.TB, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		} else if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still in use %v after the endpoint was stopped", addr, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
