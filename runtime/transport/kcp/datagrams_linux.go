//go:build linux

package kcp

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// datagrams reads a UDP socket several datagrams per system call
// (recvmmsg) into buffers it keeps, with their source addresses, and
// allocates nothing per read. One goroutine reads it.
type datagrams struct {
	raw   syscall.RawConn
	hdrs  []mmsghdr
	iovs  []unix.Iovec
	names []sockaddr
	bufs  [][]byte
	recv  func(fd uintptr) bool // d.recvmmsg, bound once: a closure per read would allocate
	n     int                   // the last read's count and error, set by recv
	err   error
}

// mmsghdr is struct mmsghdr: the message and the bytes received. Go lays
// it out as C does on every Linux architecture (the header's alignment
// pads the count on 64-bit ones).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// sockaddr holds a struct sockaddr_in or sockaddr_in6.
type sockaddr [unix.SizeofSockaddrInet6]byte

// newDatagrams returns a reader of conn taking up to batch datagrams of up
// to size bytes per read.
func newDatagrams(conn *net.UDPConn, batch, size int) (*datagrams, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("kcp: %w", err)
	}
	d := &datagrams{
		raw: raw, hdrs: make([]mmsghdr, batch), iovs: make([]unix.Iovec, batch),
		names: make([]sockaddr, batch), bufs: make([][]byte, batch),
	}
	for i := range d.hdrs {
		d.bufs[i] = make([]byte, size)
		d.iovs[i].Base = &d.bufs[i][0]
		d.iovs[i].SetLen(size)
		h := &d.hdrs[i].hdr
		h.Name = &d.names[i][0]
		h.Iov = &d.iovs[i]
		h.SetIovlen(1)
	}
	d.recv = d.recvmmsg
	return d, nil
}

// read waits for datagrams and returns how many it read; datagram(i)
// returns each.
func (d *datagrams) read() (int, error) {
	if err := d.raw.Read(d.recv); err != nil {
		return 0, err
	}
	return d.n, d.err
}

// recvmmsg reads what the socket holds, up to len(d.hdrs) datagrams, and
// reports false when it holds none (raw.Read then waits in the poller).
func (d *datagrams) recvmmsg(fd uintptr) bool {
	for i := range d.hdrs {
		d.hdrs[i].hdr.Namelen = unix.SizeofSockaddrInet6
		d.hdrs[i].hdr.Flags = 0
	}
	r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&d.hdrs[0])), uintptr(len(d.hdrs)), 0, 0, 0)
	switch errno {
	case 0:
		d.n, d.err = int(r), nil
	case unix.EAGAIN:
		return false
	case unix.EINTR:
		d.n, d.err = 0, nil
	default:
		d.n, d.err = 0, &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("recvmmsg", errno)}
	}
	return true
}

// datagram returns the i-th datagram of the last read and where it came
// from. ok is false for one to drop: truncated (longer than the buffers)
// or from an address that is not IPv4 or IPv6.
func (d *datagrams) datagram(i int) (data []byte, from netip.AddrPort, ok bool) {
	h := &d.hdrs[i]
	if h.hdr.Flags&unix.MSG_TRUNC != 0 {
		return nil, netip.AddrPort{}, false
	}
	from, ok = d.names[i].addrPort(h.hdr.Namelen)
	return d.bufs[i][:h.n], from, ok
}

// addrPort parses the address, unmapping IPv4 addresses mapped to IPv6;
// an IPv6 scope becomes a numeric zone (link-local peers only).
func (sa *sockaddr) addrPort(length uint32) (netip.AddrPort, bool) {
	if length < 2 {
		return netip.AddrPort{}, false
	}
	port := binary.BigEndian.Uint16(sa[2:4])
	switch binary.NativeEndian.Uint16(sa[0:2]) {
	case unix.AF_INET:
		if length < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(sa[4:8])), port), true
	case unix.AF_INET6:
		if length < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}, false
		}
		ip := netip.AddrFrom16([16]byte(sa[8:24])).Unmap()
		if scope := binary.NativeEndian.Uint32(sa[24:28]); scope != 0 && ip.Is6() {
			ip = ip.WithZone(strconv.FormatUint(uint64(scope), 10))
		}
		return netip.AddrPortFrom(ip, port), true
	}
	return netip.AddrPort{}, false
}
