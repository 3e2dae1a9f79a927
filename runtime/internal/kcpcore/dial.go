package kcpcore

import (
	"crypto/rand"
	"encoding/binary"
	"net"

	"github.com/pkg/errors"
)

// Dial opens a KCP session to the server at raddr ("host:port"), as
// kcp-go's DialWithOptions does and on the same wire. The session owns a
// UDP socket connected to raddr and one goroutine that reads it until
// Close. Compared with kcp-go's client session:
//
//   - the socket is connected: the kernel drops datagrams from other
//     addresses (kcp-go compared each source address as a string), a read
//     carries no source address to allocate, and an ICMP "port
//     unreachable" (no server there) fails the session's Read and Write
//     with ECONNREFUSED at once, where kcp-go waited for a deadline;
//   - acknowledgements travel with the next request (SetACKNoDelay, as on
//     the server), so a request and its answer cost two datagrams, not
//     three;
//   - no postProcess goroutine, no per-Read timer, no buffers while idle,
//     as for the server's sessions (see the package doc).
func Dial(raddr string, block BlockCrypt, dataShards, parityShards int) (*UDPSession, error) {
	addr, err := net.ResolveUDPAddr("udp", raddr)
	if err != nil {
		return nil, errors.WithStack(err)
	}
	network := "udp4"
	if addr.IP.To4() == nil {
		network = "udp"
	}
	udp, err := net.DialUDP(network, nil, addr)
	if err != nil {
		return nil, errors.WithStack(err)
	}
	var n *nonce
	if block != nil {
		n = new(nonce)
		if err := n.init(); err != nil {
			_ = udp.Close()
			return nil, err
		}
	}
	var conv [4]byte
	if _, err := rand.Read(conv[:]); err != nil {
		_ = udp.Close()
		return nil, errors.WithStack(err)
	}
	s := newUDPSession(binary.LittleEndian.Uint32(conv[:]), dataShards, parityShards, udp, addr, block, n)
	s.udp = udp
	s.key.Addr, _ = addrKey(addr)
	s.key.Conv = s.kcp.conv
	go s.readLoop()
	return s, nil
}

// readLoop reads a dialled session's socket until it fails (Close closes
// it) and feeds each datagram to the session; a failure ends Read.
func (s *UDPSession) readLoop() {
	buf := make([]byte, mtuLimit)
	for {
		n, err := s.udp.Read(buf)
		if err != nil {
			if !isClosed(s.die) { // after Close, Read says io.ErrClosedPipe
				s.notifyReadError(errors.WithStack(err))
			}
			return
		}
		if data, ok := Open(s.block, buf[:n]); ok && len(data) >= IKCP_OVERHEAD {
			s.kcpInput(data)
		}
	}
}
