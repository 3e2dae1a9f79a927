package kcpcore

import (
	"net/netip"
	"testing"
)

// TestByAddress: an address's newest live conversation, whichever of its
// conversations end and in whatever order; addresses do not mix.
func TestByAddress(t *testing.T) {
	a := netip.MustParseAddrPort("10.0.0.1:5000")
	b := netip.MustParseAddrPort("10.0.0.1:5001")
	type step struct {
		add, remove int // a conversation of a to add or remove (0: none)
		want        int // a's newest afterwards (0: none)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one conversation", []step{{add: 1, want: 1}, {remove: 1, want: 0}}},
		{"the newest ends first", []step{{add: 1, want: 1}, {add: 2, want: 2}, {remove: 2, want: 1}, {remove: 1, want: 0}}},
		{"the oldest ends first", []step{{add: 1, want: 1}, {add: 2, want: 2}, {remove: 1, want: 2}, {remove: 2, want: 0}}},
		{"the middle one ends", []step{{add: 1, want: 1}, {add: 2, want: 2}, {add: 3, want: 3}, {remove: 2, want: 3}, {remove: 3, want: 1}}},
		{"one that was never added", []step{{add: 1, want: 1}, {remove: 7, want: 1}}},
		{"removed twice", []step{{add: 1, want: 1}, {add: 2, want: 2}, {remove: 2, want: 1}, {remove: 2, want: 1}}},
		{"a new one after the newest ended", []step{{add: 1, want: 1}, {add: 2, want: 2}, {remove: 2, want: 1}, {add: 3, want: 3}, {remove: 3, want: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var byAddr ByAddress[int]
			byAddr.Add(b, 100)
			for i, s := range tt.steps {
				if s.add != 0 {
					byAddr.Add(a, s.add)
				}
				if s.remove != 0 {
					byAddr.Remove(a, s.remove)
				}
				got, ok := byAddr.Newest(a)
				if ok != (s.want != 0) || got != s.want {
					t.Fatalf("step %d: newest %d (%v), want %d", i, got, ok, s.want)
				}
			}
			if got, ok := byAddr.Newest(b); !ok || got != 100 {
				t.Errorf("the other address's newest: %d (%v), want 100", got, ok)
			}
			byAddr.Clear()
			if _, ok := byAddr.Newest(b); ok {
				t.Error("a conversation after Clear")
			}
		})
	}
}

// TestByAddressForgetsEmptyAddresses: an address whose last conversation
// ended holds no memory.
func TestByAddressForgetsEmptyAddresses(t *testing.T) {
	var byAddr ByAddress[int]
	for port := range uint16(100) {
		addr := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), port)
		byAddr.Add(addr, 1)
		byAddr.Add(addr, 2)
		byAddr.Remove(addr, 2)
		byAddr.Remove(addr, 1)
	}
	if n := len(byAddr.m); n != 0 {
		t.Errorf("%d addresses kept, want 0", n)
	}
}
