package cluster

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkset"
)

// target describes m for the link set.
func target(m Member) linkset.Target {
	return linkset.Target{ID: m.ID, Boot: m.BootID, Addr: m.LinkAddr}
}

// linkTo returns a working link to m, dialing one if needed. The common
// case, a live link, takes no lock.
func (n *Node) linkTo(ctx context.Context, m Member) (*link.Link, error) {
	return n.links.Get(ctx, target(m))
}

// reachable returns the candidates that are not leaving and whose link is
// not known to be broken, or all of them if none is: a server whose process
// died gets no new work, even before gossip declares it dead. Once its
// backoff has passed, a broken server is redialled in the background; it
// gets work again when that succeeds. Without a leaving or broken
// candidate it takes no lock.
func (n *Node) reachable(candidates []Member) []Member {
	if !n.troubled(candidates) {
		return candidates
	}
	out := candidates[:0:0]
	for _, m := range candidates {
		if !m.Leaving && n.links.Usable(target(m)) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return candidates
	}
	return out
}

// troubled reports whether a candidate is leaving or had a failed link.
func (n *Node) troubled(candidates []Member) bool {
	for _, m := range candidates {
		if m.Leaving || n.links.Troubled(m.ID) {
			return true
		}
	}
	return false
}

// hasLink reports whether m is this server or has a working link to the
// same run of m.
func (n *Node) hasLink(m Member) bool {
	return m.ID == n.id || n.links.Has(target(m))
}
