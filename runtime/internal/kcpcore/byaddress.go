package kcpcore

import (
	"net/netip"
	"slices"
)

// ByAddress holds each address's live conversations in the order they
// arrived, so that a datagram without a conversation (an FEC parity
// shard) goes to the address's newest one, and to the one before it once
// the newest has ended. One address rarely has more than one: a client
// that reconnects from the same port while its old session lingers.
//
// The zero value is empty and ready to use. A ByAddress is not safe for
// concurrent use; its owner's lock guards it.
type ByAddress[V comparable] struct {
	m map[netip.AddrPort][]V
}

// Add records v as addr's newest conversation.
func (b *ByAddress[V]) Add(addr netip.AddrPort, v V) {
	if b.m == nil {
		b.m = map[netip.AddrPort][]V{}
	}
	b.m[addr] = append(b.m[addr], v)
}

// Remove forgets v, one of addr's conversations; the one before it
// becomes the newest if v was.
func (b *ByAddress[V]) Remove(addr netip.AddrPort, v V) {
	vs := b.m[addr]
	i := slices.Index(vs, v)
	switch {
	case i < 0:
		return
	case len(vs) == 1:
		delete(b.m, addr)
		return
	}
	b.m[addr] = slices.Delete(vs, i, i+1)
}

// Newest returns addr's newest live conversation, or the zero V and
// false if it has none.
func (b *ByAddress[V]) Newest(addr netip.AddrPort) (V, bool) {
	vs := b.m[addr]
	if len(vs) == 0 {
		var zero V
		return zero, false
	}
	return vs[len(vs)-1], true
}

// Clear forgets every address.
func (b *ByAddress[V]) Clear() { clear(b.m) }
