package server

import (
	"net"
	"net/netip"
	"sync"
)

// ipCounter counts open connections by address, for
// Options.MaxConnectionsPerIP.
type ipCounter struct {
	mu sync.Mutex
	n  map[netip.Addr]int
}

// acquire counts a connection from key and reports whether it is within
// limit; a connection beyond it is not counted.
func (c *ipCounter) acquire(key netip.Addr, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= limit {
		return false
	}
	if c.n == nil {
		c.n = make(map[netip.Addr]int)
	}
	c.n[key]++
	return true
}

// release uncounts a connection from key.
func (c *ipCounter) release(key netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key) // the map holds only addresses with connections
		return
	}
	c.n[key]--
}

// ipKey returns the address a connection counts against: its IPv4
// address, or the /64 prefix of its IPv6 address (a host usually gets a
// whole /64, so counting single IPv6 addresses would limit nothing). ok is
// false when the address has no IP (a test's in-memory connection).
func ipKey(a net.Addr) (key netip.Addr, ok bool) {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, ok = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
		ip, ok = netip.AddrFromSlice(a.IP)
	default:
		if a == nil {
			return netip.Addr{}, false
		}
		ap, err := netip.ParseAddrPort(a.String())
		ip, ok = ap.Addr(), err == nil
	}
	if !ok {
		return netip.Addr{}, false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64) // cannot fail for an IPv6 address
		ip = p.Addr()
	}
	return ip, true
}
