package kcp

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
)

// listenDatagrams binds a UDP socket on addr and returns its reader.
func listenDatagrams(t testing.TB, network, addr string, batch int) (*net.UDPConn, *datagrams) {
	t.Helper()
	ln, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Skipf("no %s socket on %s here: %v", network, addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	d, err := newDatagrams(ln, batch, maxDatagram)
	if err != nil {
		t.Fatal(err)
	}
	return ln, d
}

// dialUDP returns a socket connected to ln from addr ("127.0.0.1:0").
func dialUDP(t testing.TB, network, from string, ln *net.UDPConn) *net.UDPConn {
	t.Helper()
	to := ln.LocalAddr().(*net.UDPAddr).AddrPort()
	if from == "127.0.0.1:0" && to.Addr().IsUnspecified() {
		to = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), to.Port())
	}
	c, err := net.DialUDP(network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(from)), net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Skipf("no %s socket from %s here: %v", network, from, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// received is one datagram as datagrams returned it.
type received struct {
	data []byte
	from netip.AddrPort
	ok   bool
}

// readN reads until n datagrams came, copying each.
func readN(t testing.TB, d *datagrams, n int) []received {
	t.Helper()
	var got []received
	for len(got) < n {
		k, err := d.read()
		if err != nil {
			t.Fatal(err)
		}
		for i := range k {
			data, from, ok := d.datagram(i)
			got = append(got, received{bytes.Clone(data), from, ok})
		}
	}
	return got
}

func TestDatagramsAddresses(t *testing.T) {
	tests := []struct {
		name, network, listen, from, want string
	}{
		{"ipv4", "udp4", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "udp6", "[::1]:0", "[::1]:0", "::1"},
		{"ipv4 on a dual-stack socket, unmapped", "udp", "[::]:0", "127.0.0.1:0", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, d := listenDatagrams(t, tt.network, tt.listen, 4)
			c := dialUDP(t, tt.network, tt.from, ln)
			want := [][]byte{[]byte("one"), {}, bytes.Repeat([]byte{7}, maxDatagram), []byte("four"), []byte("five")}
			for _, w := range want {
				if _, err := c.Write(w); err != nil {
					t.Fatal(err)
				}
			}
			from := c.LocalAddr().(*net.UDPAddr).AddrPort()
			wantFrom := netip.AddrPortFrom(netip.MustParseAddr(tt.want), from.Port())
			for i, r := range readN(t, d, len(want)) {
				if !r.ok || r.from != wantFrom || !bytes.Equal(r.data, want[i]) {
					t.Errorf("datagram %d: %d bytes from %v, ok %v; want %d bytes from %v", i, len(r.data), r.from, r.ok, len(want[i]), wantFrom)
				}
			}
		})
	}
}

func TestDatagramsDropsTruncated(t *testing.T) {
	ln, d := listenDatagrams(t, "udp4", "127.0.0.1:0", 4)
	c := dialUDP(t, "udp4", "127.0.0.1:0", ln)
	for _, n := range []int{maxDatagram + 1, 9000, 10} {
		if _, err := c.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	got := readN(t, d, 3)
	for i, r := range got[:2] {
		if r.ok {
			t.Errorf("datagram %d, longer than %d bytes: returned (%d bytes)", i, maxDatagram, len(r.data))
		}
	}
	if !got[2].ok || len(got[2].data) != 10 {
		t.Errorf("the datagram after them: ok %v, %d bytes; want 10", got[2].ok, len(got[2].data))
	}
}

func TestDatagramsAllocateNothing(t *testing.T) {
	ln, d := listenDatagrams(t, "udp4", "127.0.0.1:0", 4)
	c := dialUDP(t, "udp4", "127.0.0.1:0", ln)
	msg := []byte("hello")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if n, err := d.read(); err != nil || n != 1 {
			t.Fatalf("read: %d, %v", n, err)
		}
		if data, _, ok := d.datagram(0); !ok || string(data) != "hello" {
			t.Fatalf("datagram: %q, %v", data, ok)
		}
	})
	if allocs != 0 {
		t.Errorf("a write and a read allocate %v objects; want 0", allocs)
	}
}

func TestDatagramsClosed(t *testing.T) {
	ln, d := listenDatagrams(t, "udp4", "127.0.0.1:0", 4)
	done := make(chan error, 1)
	go func() {
		_, err := d.read()
		done <- err
	}()
	_ = ln.Close()
	if err := <-done; err == nil {
		t.Fatal("read on a closed socket: no error")
	}
}

// BenchmarkDatagramsRead measures reading datagrams that wait in the
// socket's buffer, 8 at a time.
func BenchmarkDatagramsRead(b *testing.B) {
	ln, d := listenDatagrams(b, "udp4", "127.0.0.1:0", readBatch)
	c := dialUDP(b, "udp4", "127.0.0.1:0", ln)
	msg := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		for range 8 {
			if _, err := c.Write(msg); err != nil {
				b.Fatal(err)
			}
		}
		for got := 0; got < 8; {
			n, err := d.read()
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
}
