package server

import (
	"net"
	"net/netip"
	"testing"
)

// fakeAddr is an address of a transport that is neither TCP nor UDP.
type fakeAddr string

func (a fakeAddr) Network() string { return "fake" }
func (a fakeAddr) String() string  { return string(a) }

func TestIPKey(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 1234} }
	tests := []struct {
		name string
		addr net.Addr
		want string // "" when the address is not counted
	}{
		{"IPv4", tcp("192.0.2.7"), "192.0.2.7"},
		{"IPv4 as a 16-byte slice", &net.TCPAddr{IP: net.ParseIP("192.0.2.7").To16()}, "192.0.2.7"},
		{"IPv4-mapped IPv6", tcp("::ffff:192.0.2.7"), "192.0.2.7"},
		{"UDP (KCP)", &net.UDPAddr{IP: net.ParseIP("198.51.100.1"), Port: 9}, "198.51.100.1"},
		{"IPv6: its /64", tcp("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::"},
		{"IPv6 with a zone", &net.TCPAddr{IP: net.ParseIP("fe80::1"), Zone: "eth0"}, "fe80::"},
		{"IPv6 loopback", tcp("::1"), "::"},
		{"another transport's address", fakeAddr("203.0.113.5:80"), "203.0.113.5"},
		{"no IP", fakeAddr("pipe"), ""},
		{"nil TCP address", &net.TCPAddr{}, ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, ok := ipKey(tt.addr)
			if tt.want == "" {
				if ok {
					t.Fatalf("got %v, want no key", key)
				}
				return
			}
			if !ok || key != netip.MustParseAddr(tt.want) {
				t.Fatalf("got %v %v, want %s", key, ok, tt.want)
			}
		})
	}
	a, _ := ipKey(tcp("2001:db8::1"))
	b, _ := ipKey(tcp("2001:db8::ffff:2"))
	c, _ := ipKey(tcp("2001:db8:0:1::1"))
	if a != b || a == c {
		t.Errorf("same /64: %v %v; next /64: %v", a, b, c)
	}
}

func TestIPCounter(t *testing.T) {
	var c ipCounter
	k := netip.MustParseAddr("192.0.2.1")
	for i, want := range []bool{true, true, false} { // two admitted, the third refused
		if got := c.acquire(k, 2); got != want {
			t.Fatalf("acquire %d: %v, want %v", i+1, got, want)
		}
	}
	c.release(k)
	if !c.acquire(k, 2) {
		t.Fatal("a released place was not reused")
	}
	c.release(k)
	c.release(k)
	if len(c.n) != 0 {
		t.Errorf("the counter keeps %v after every connection closed", c.n)
	}
}
