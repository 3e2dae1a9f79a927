package cluster

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
	// (probe every 1 s, probe timeout 500 ms, suspicion multiplier 4,
	// push/pull every 30 s) with RetransmitMult 4 and a DeadNodeReclaimTime of
	// 1 s, so that a crashed server restarting on a new address can reuse its
	// id. A killed server leaves the other views after about 5–6.5 s (measured,
	// 5 nodes on loopback).
	ProfileLAN Profile = iota

	// ProfileFast is for tests and local demos: ProfileLAN with probes every
	// 200 ms, probe timeout 100 ms, gossip every 50 ms, suspicion multiplier 3,
	// push/pull every 5 s and a TCP timeout of 1 s. A killed server leaves
	// the other views in about 1–1.5 s. The short probe timeout is too
	// aggressive for a busy datacentre network.
	ProfileFast
)

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

// defaultBindAddr is the gossip bind address used when
// [MembershipConfig.BindAddr] is empty.
func (p Profile) defaultBindAddr() string {
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
	switch p {
	case ProfileLAN:
	case ProfileFast:
		c.ProbeInterval = 200 * time.Millisecond
		c.ProbeTimeout = 100 * time.Millisecond
		c.GossipInterval = 50 * time.Millisecond
		c.SuspicionMult = 3
		c.PushPullInterval = 5 * time.Second
		c.TCPTimeout = time.Second
	default:
		return nil, fmt.Errorf("cluster: unknown gossip profile %v", p)
	}
	return c, nil
}
