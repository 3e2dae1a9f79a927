package testkit

import (
	"bufio"
	"net"
	"testing"
)

// WrapRaw makes a RawConn of a connection the test dialed itself (from a
// chosen local address, say), and closes it when the test ends.
func WrapRaw(t testing.TB, nc net.Conn) *RawConn {
	t.Cleanup(func() { _ = nc.Close() })
	return &RawConn{t: t, nc: nc, br: bufio.NewReader(nc)}
}
