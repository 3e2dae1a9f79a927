package gossip

import (
	"fmt"
	"time"

	"github.com/hashicorp/memberlist"
)

// Profile selects the gossip timings of a [Membership].
//
// memberlist's DefaultLocalConfig is deliberately not offered: its
// RetransmitMult of 2 loses gossip, and 10-node joins were measured to take
// 15–22 s while waiting for push/pull to repair it.
type Profile uint8

const (
	// ProfileLAN is the production default: memberlist's DefaultLANConfig
	// (probe every 1 s, probe timeout 500 ms, gossip every 200 ms,
	// push/pull every 30 s) with a suspicion multiplier of 3 instead of 4
	// (one other server must still confirm a suspicion), gossip to 6 peers
	// instead of 3, RetransmitMult 4 and a DeadNodeReclaimTime of 1 s, so
	// that a crashed server restarting on a new address can reuse its id.
	// Measured with 50 server processes on a 2-core machine
	// (docs/cluster.md, make cluster-scale): a SIGKILLed server leaves every
	// view in 6.2–8.4 s (9.3 s at 200 servers); with memberlist's multiplier
	// of 4 it took 8.3–10.6 s at 50.
	ProfileLAN Profile = iota

	// ProfileFast is for tests, local demos and clusters that want fast
	// failure detection: ProfileLAN with probes every 300 ms, a probe
	// timeout of 250 ms, 4 indirect probes, gossip every 150 ms to 8 peers,
	// a maximum suspicion timeout of 4× the minimum, push/pull every 5 s
	// and a TCP timeout of 3 s. memberlist's Lifeguard (local health
	// awareness, up to 8× longer probe timeouts while this server itself
	// misses acks) stays on. Measured on a 2-core machine with 50 server
	// processes (docs/cluster.md, make cluster-scale): a SIGKILLed server
	// leaves every view in 2–2.6 s, and CPU saturation declares no live
	// server dead. (The earlier 200/100 ms timings detected a crash in
	// 1–1.5 s but declared thousands of false deaths at 50 processes.)
	//
	// The gossip ticker wakes every server whether or not it has anything
	// to send, and each wake-up of an idle Go process costs about 0.02 % of
	// a core on that machine: gossip every 150 ms to 8 peers reaches 50
	// servers in three rounds where every 60 ms to 4 took four, with 10
	// fewer wake-ups a second (idle: 1.06 % of a core per server before,
	// 0.42 % after, with the server's tick asleep while it has no client;
	// a crash still leaves every view in under 3 s).
	ProfileFast
)

// Both profiles turn memberlist's compression off: it compressed every
// probe and ack (a 64 KiB LZW table allocated per packet sent) to save a few
// bytes of small packets, and push/pull states of a few KiB.

// deadNodeReclaimTime is how long after a server was declared dead its id may
// be claimed from another address (a restart on a new port).
const deadNodeReclaimTime = time.Second

// String returns "lan", "fast", or "Profile(n)" for an unknown value.
func (p Profile) String() string {
	switch p {
	case ProfileLAN:
		return "lan"
	case ProfileFast:
		return "fast"
	default:
		return fmt.Sprintf("Profile(%d)", uint8(p))
	}
}

// DefaultBindAddr is the gossip bind address used when
// [Config.BindAddr] is empty.
func (p Profile) DefaultBindAddr() string {
	if p == ProfileFast {
		return "127.0.0.1:0"
	}
	return "0.0.0.0:7946"
}

// config returns a fresh memberlist configuration with the profile's timings
// and nothing else set.
func (p Profile) config() (*memberlist.Config, error) {
	c := memberlist.DefaultLANConfig()
	c.RetransmitMult = 4
	c.DeadNodeReclaimTime = deadNodeReclaimTime
	c.EnableCompression = false
	switch p {
	case ProfileLAN:
		c.SuspicionMult = 3
		c.GossipNodes = 6
	case ProfileFast:
		c.ProbeInterval = 300 * time.Millisecond
		c.ProbeTimeout = 250 * time.Millisecond
		c.IndirectChecks = 4
		c.GossipInterval = 150 * time.Millisecond
		c.GossipNodes = 8
		c.SuspicionMult = 3
		c.SuspicionMaxTimeoutMult = 4
		c.PushPullInterval = 5 * time.Second
		c.TCPTimeout = 3 * time.Second
	default:
		return nil, fmt.Errorf("cluster: unknown gossip profile %v", p)
	}
	return c, nil
}
