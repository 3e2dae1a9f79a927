package kcp

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzSockaddr parses any source address the kernel could write: nothing
// panics, and an address parsed is the family's and length's.
func FuzzSockaddr(f *testing.F) {
	var v4, v6 sockaddr
	binary.NativeEndian.PutUint16(v4[:], unix.AF_INET)
	copy(v4[4:], []byte{127, 0, 0, 1})
	binary.NativeEndian.PutUint16(v6[:], unix.AF_INET6)
	v6[23] = 1
	binary.NativeEndian.PutUint32(v6[24:], 2) // a scope
	f.Add(v4[:], uint32(unix.SizeofSockaddrInet4))
	f.Add(v6[:], uint32(unix.SizeofSockaddrInet6))
	f.Fuzz(func(t *testing.T, raw []byte, length uint32) {
		var sa sockaddr
		copy(sa[:], raw)
		ap, ok := sa.addrPort(length)
		if !ok {
			return
		}
		switch family := binary.NativeEndian.Uint16(sa[:]); {
		case family == unix.AF_INET && (!ap.Addr().Is4() || length < unix.SizeofSockaddrInet4):
			t.Fatalf("AF_INET, %d bytes: %v", length, ap)
		case family == unix.AF_INET6 && length < unix.SizeofSockaddrInet6:
			t.Fatalf("AF_INET6, %d bytes: %v", length, ap)
		case family != unix.AF_INET && family != unix.AF_INET6:
			t.Fatalf("family %d parsed: %v", family, ap)
		}
		if ap.Port() != binary.BigEndian.Uint16(sa[2:]) {
			t.Fatalf("port %d, want %d", ap.Port(), binary.BigEndian.Uint16(sa[2:]))
		}
	})
}
