//go:build !linux

package kcp

import (
	"net"
	"net/netip"
)

// datagrams reads a UDP socket one datagram per system call (recvmmsg,
// which the Linux version uses, is Linux's) into a buffer it keeps. One
// goroutine reads it.
type datagrams struct {
	conn *net.UDPConn
	buf  []byte // the largest UDP datagram: a longer one is an error on some systems
	size int    // the longest datagram returned
	n    int
	from netip.AddrPort
}

// newDatagrams returns a reader of conn taking datagrams of up to size
// bytes; batch is for the Linux version.
func newDatagrams(conn *net.UDPConn, batch, size int) (*datagrams, error) {
	return &datagrams{conn: conn, buf: make([]byte, 1<<16), size: size}, nil
}

// read waits for a datagram and returns 1.
func (d *datagrams) read() (int, error) {
	n, from, err := d.conn.ReadFromUDPAddrPort(d.buf)
	if err != nil {
		return 0, err
	}
	d.n, d.from = n, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	return 1, nil
}

// datagram returns the datagram of the last read and where it came from.
// ok is false for one longer than size.
func (d *datagrams) datagram(int) (data []byte, from netip.AddrPort, ok bool) {
	if d.n > d.size {
		return nil, netip.AddrPort{}, false
	}
	return d.buf[:d.n], d.from, true
}
