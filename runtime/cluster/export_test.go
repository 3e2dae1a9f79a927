package cluster

// LinkEnd describes one open link of a node, for tests.
type LinkEnd struct {
	Peer, Local, Remote string
	Dialed, Retired     bool
}

// TestLinks returns the node's open links.
func (n *Node) TestLinks() []LinkEnd {
	var out []LinkEnd
	for _, l := range n.liveLinks() {
		out = append(out, LinkEnd{Peer: l.Peer.ID, Local: l.LocalAddr().String(), Remote: l.RemoteAddr().String(),
			Dialed: l.Dialed, Retired: l.Retired.Load()})
	}
	return out
}

// TestRetiredLinks returns how many links lost to another link to the
// same peer.
func (n *Node) TestRetiredLinks() int64 { return n.retiredLinks.Load() }
