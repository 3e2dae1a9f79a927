package cluster

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkset"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// pick chooses the server of a remote call on route: the one named by the
// options, or one of the route's type by router or policy. A server that
// is not alive in the membership is never chosen, so calls to a server
// that left fail at once.
func (n *Node) pick(ctx context.Context, route string, o gamesrv.CallOptions) (Member, error) {
	typ := routeType(route)
	if o.ServerID != "" {
		m, ok := n.ms.Member(o.ServerID)
		if !ok {
			return Member{}, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is not in the cluster", o.ServerID)
		}
		return m, nil
	}
	candidates := n.ms.ByType(typ)
	if len(candidates) == 0 {
		return Member{}, gamesrv.Errorf(gamesrv.CodeUnavailable, "no server of type %q", typ)
	}
	candidates = n.reachable(candidates)
	if r := n.router(typ, o); r != nil {
		return n.route(ctx, r, route, o.Key, candidates)
	}
	p := n.policy(typ, o)
	if p != gamesrv.PolicySticky {
		candidates = n.linked(ctx, candidates)
	}
	return n.choose(p, typ, o.Key, candidates), nil
}

// linked narrows the candidates of a policy without a key to those this
// server has a working link to (or itself), and dials the others in the
// background; all of them when none is linked. A server that just
// (re)started gets work once its link is up, so a call never waits for a
// slow first dial while another server could answer it. When none is
// linked, it dials them all and waits (under ctx) for the first link up.
// (Keyed policies keep every candidate: the key must map to the same
// server everywhere.)
func (n *Node) linked(ctx context.Context, candidates []Member) []Member {
	i := 0
	for i < len(candidates) && n.hasLink(candidates[i]) {
		i++
	}
	if i == len(candidates) {
		return candidates
	}
	out := append(make([]Member, 0, len(candidates)), candidates[:i]...)
	var unlinked []linkset.Target
	for _, m := range candidates[i:] {
		if n.hasLink(m) {
			out = append(out, m)
		} else {
			unlinked = append(unlinked, target(m))
		}
	}
	// Starts a dial to each unlinked one, unless one runs or it backs off.
	if !n.links.Connect(ctx, unlinked, len(out) == 0) {
		if len(out) == 0 {
			return candidates
		}
		return out
	}
	for _, m := range candidates {
		if n.hasLink(m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return candidates
	}
	return out
}

// routeType is the server type of a route: its first segment.
func routeType(route string) string {
	typ, _, _ := strings.Cut(route, ".")
	return typ
}

func (n *Node) router(typ string, o gamesrv.CallOptions) gamesrv.Router {
	if o.Router != nil {
		return o.Router
	}
	return n.opts.Routers[typ]
}

func (n *Node) policy(typ string, o gamesrv.CallOptions) gamesrv.Policy {
	if o.Policy != gamesrv.PolicyDefault {
		return o.Policy
	}
	if p, ok := n.opts.Policies[typ]; ok && p != gamesrv.PolicyDefault {
		return p
	}
	return gamesrv.PolicyRoundRobin
}

// route runs a custom router and checks its answer.
func (n *Node) route(ctx context.Context, r gamesrv.Router, route, key string, candidates []Member) (Member, error) {
	infos := make([]gamesrv.ServerInfo, len(candidates))
	for i, m := range candidates {
		infos[i] = serverInfo(m)
	}
	id, err := r(ctx, route, key, infos)
	if err != nil {
		return Member{}, err
	}
	for _, m := range candidates {
		if m.ID == id {
			return m, nil
		}
	}
	return Member{}, gamesrv.Errorf(gamesrv.CodeUnavailable, "router chose %q, which is not a candidate", id)
}

func serverInfo(m Member) gamesrv.ServerInfo {
	return gamesrv.ServerInfo{ID: m.ID, Type: m.Type, Weight: max(m.Weight, 1), Frontend: m.Frontend, Version: m.Version}
}

// choose applies a policy to a non-empty list of candidates.
func (n *Node) choose(p gamesrv.Policy, typ, key string, candidates []Member) Member {
	switch p {
	case gamesrv.PolicyRandom:
		return candidates[rand.IntN(len(candidates))]
	case gamesrv.PolicyWeighted:
		return weighted(candidates)
	case gamesrv.PolicySticky:
		return rendezvous(key, candidates)
	}
	return candidates[n.counter(typ).Add(1)%uint64(len(candidates))]
}

// counter returns the round-robin counter of a server type.
func (n *Node) counter(typ string) *atomic.Uint64 {
	if c, ok := n.rr.Load(typ); ok {
		return c.(*atomic.Uint64)
	}
	c, _ := n.rr.LoadOrStore(typ, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

// weighted picks at random in proportion to the weights (at least 1).
func weighted(candidates []Member) Member {
	total := 0
	for _, m := range candidates {
		total += max(m.Weight, 1)
	}
	x := rand.IntN(total)
	for _, m := range candidates {
		if x -= max(m.Weight, 1); x < 0 {
			return m
		}
	}
	return candidates[len(candidates)-1]
}

// rendezvous picks the candidate with the highest hash of (key, id):
// every server computes the same answer for a key, and when a server
// leaves only the keys it held move.
func rendezvous(key string, candidates []Member) Member {
	best, bestScore := candidates[0], uint64(0)
	for i, m := range candidates {
		if s := score(key, m.ID); i == 0 || s > bestScore {
			best, bestScore = m, s
		}
	}
	return best
}

// score hashes (key, id) with FNV-1a and a final mix, identical in every
// process (no random seed).
func score(key, id string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(id))
	return mix(h.Sum64())
}

// mix is the splitmix64 finalizer: it spreads FNV's weak high bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
