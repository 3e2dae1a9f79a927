package gnetrun

import (
	"errors"
	"net"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/windows"
)

// boundAddr reads the address of the engine's listening socket (gnet's Dup
// duplicates its handle on Windows).
func boundAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, err
	}
	h := windows.Handle(fd)
	defer windows.Closesocket(h)
	sa, err := windows.Getsockname(h)
	if err != nil {
		return nil, err
	}
	switch a := sa.(type) {
	case *windows.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	case *windows.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}, nil
	}
	return nil, errors.New("unexpected socket address type")
}
