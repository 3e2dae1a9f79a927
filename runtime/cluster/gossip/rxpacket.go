package gossip

import (
	"net"
	"net/netip"
	"time"

	"github.com/hashicorp/memberlist"
)

// rxPacket is a received packet as memberlist gets it: the Packet, and the
// sender's address that its From points to (a net.UDPAddr, as memberlist's
// NetTransport gives, and its IP). rxPacketOf adds the packet's bytes, so
// that one allocation holds all of it, where reading with ReadFromUDP and
// copying the bytes made four (the address, its IP, the Packet, the copy).
type rxPacket struct {
	p    memberlist.Packet
	from net.UDPAddr
	ip   [net.IPv6len]byte
}

// rxPacketOf is an rxPacket with room for the bytes of a packet; B is a byte
// array. Go has no struct of variable size, so newPacket picks the smallest
// of a few array sizes that fits.
type rxPacketOf[B any] struct {
	rxPacket
	buf B
}

// newRxPacket allocates an rxPacketOf[B]; bytes slices its array.
func newRxPacket[B any](bytes func(*B) []byte) (*rxPacket, []byte) {
	r := new(rxPacketOf[B])
	return &r.rxPacket, bytes(&r.buf)
}

// newPacket returns a Packet holding a copy of b, sent from from and
// received at now, in one allocation for packets up to memberlist's default
// UDPBufferSize (1400 bytes; larger ones get their copy in a second one).
// An rxPacket takes 128 bytes; with it, each array size fills one of the
// runtime's size classes exactly (counting the 8-byte header of a class
// above 512 bytes): a packet of an array's size takes 12 bytes more than the
// four allocations did, one just above it up to a third more.
// What the Packet points to is never written again: memberlist may keep
// parts of the bytes (queued messages, metadata).
func newPacket(b []byte, from netip.AddrPort, now time.Time) *memberlist.Packet {
	var r *rxPacket
	var buf []byte
	switch n := len(b); {
	case n <= 32:
		r, buf = newRxPacket(func(a *[32]byte) []byte { return a[:] })
	case n <= 64:
		r, buf = newRxPacket(func(a *[64]byte) []byte { return a[:] })
	case n <= 128:
		r, buf = newRxPacket(func(a *[128]byte) []byte { return a[:] })
	case n <= 192:
		r, buf = newRxPacket(func(a *[192]byte) []byte { return a[:] })
	case n <= 256:
		r, buf = newRxPacket(func(a *[256]byte) []byte { return a[:] })
	case n <= 384:
		r, buf = newRxPacket(func(a *[384]byte) []byte { return a[:] })
	case n <= 504:
		r, buf = newRxPacket(func(a *[504]byte) []byte { return a[:] })
	case n <= 632:
		r, buf = newRxPacket(func(a *[632]byte) []byte { return a[:] })
	case n <= 888:
		r, buf = newRxPacket(func(a *[888]byte) []byte { return a[:] })
	case n <= 1144:
		r, buf = newRxPacket(func(a *[1144]byte) []byte { return a[:] })
	case n <= 1400:
		r, buf = newRxPacket(func(a *[1400]byte) []byte { return a[:] })
	default:
		r, buf = new(rxPacket), make([]byte, n)
	}
	n := copy(buf, b)
	// The address as ReadFromUDP gives it: 4 bytes from an IPv4 socket, 16
	// from an IPv6 one (IPv4-mapped on a dual-stack socket), with its zone.
	ip := from.Addr()
	if ip.Is4() {
		a := ip.As4()
		r.from.IP = r.ip[:copy(r.ip[:], a[:])]
	} else {
		r.ip = ip.As16()
		r.from.IP = r.ip[:]
	}
	r.from.Port = int(from.Port())
	r.from.Zone = ip.Zone()
	r.p = memberlist.Packet{Buf: buf[:n:n], From: &r.from, Timestamp: now}
	return &r.p
}
