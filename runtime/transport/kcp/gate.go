package kcp

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/kcpcore"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// Sizes of kcp-go's datagram layout (kcp-go v5.6.35: sess.go, kcp.go).
const (
	maxDatagram = 1500 // kcp-go's mtuLimit: the longest datagram a peer sends
	logEvery    = 10 * time.Second
)

// limits bound the sessions that have not completed the handshake.
type limits struct {
	total, perIP int // negative: none
	timeout      time.Duration
}

// gate is the listener's UDP socket as the KCP layer (internal/kcpcore)
// sees it. The KCP layer opens a session (a reader goroutine and a session
// for the server) for the first datagram of any conversation it does not
// know, so the gate decides which datagrams reach it. It decrypts each
// datagram (when there is a key) and reads its conversation:
//
//   - a datagram of a conversation with a session, or one being opened,
//     passes, and so does one that carries no conversation (an FEC parity
//     shard) from an address with a session, to its newest (the one
//     before it once the newest has ended);
//   - a datagram of a new conversation passes only while the sessions that
//     have not completed the handshake are under the limits, in total and
//     per IP address. Each one admitted gets a deadline: a session not
//     established by then is closed. A new conversation from an address
//     that has a session gets a session of its own (see kcpcore's
//     SessionKey): nothing replaces or ends another conversation's session.
//
// Everything else is dropped before the KCP layer allocates anything: the
// cost of a refused datagram is one read, its decryption and a map lookup.
//
// The KCP layer reads it with ReadFrom from one goroutine (its listener's
// monitor, which handles each datagram before it reads the next) and its
// sessions write with WriteTo. The gate reads several datagrams per system
// call where it can (recvmmsg on Linux) and hands each datagram decrypted
// (kcpcore.ServeDecrypted) with the address of its peer, allocated once per
// conversation: a datagram costs no allocation before the session's.
type gate struct {
	*net.UDPConn
	in     *datagrams       // ReadFrom only
	next   int              // the next datagram of in to hand out
	count  int              // the datagrams in in's last read
	block  kcpgo.BlockCrypt // the gate's own instance, ReadFrom's; nil without a key
	limits limits
	log    *slog.Logger
	epoch  time.Time // the monotonic origin of peer.seen

	mu       sync.Mutex
	peers    map[kcpcore.SessionKey]*peer
	byAddr   kcpcore.ByAddress[*peer] // each address's peers: datagrams without a conversation go to its newest
	pending  int                      // sessions admitted and not established
	perIP    map[netip.Addr]int       // by source()
	closed   bool
	refused  int // datagrams dropped at the limits since the last log
	loggedAt time.Time
}

// peer is a conversation the gate admitted.
type peer struct {
	key     kcpcore.SessionKey // its address and conversation, as kcpcore keys its session
	udp     *net.UDPAddr       // key.Addr, as ReadFrom returns it
	pending bool               // not established: counted against the limits
	timer   *time.Timer        // the handshake deadline while pending
	sess    *session           // once kcp-go's session was accepted
	seen    atomic.Int64       // when its last datagram arrived, since the gate's epoch
}

// readBatch is how many datagrams one read takes at most.
const readBatch = 16

func newGate(conn *net.UDPConn, key []byte, lim limits, log *slog.Logger) (*gate, error) {
	block, err := kcpconf.BlockCrypt(key)
	if err != nil {
		return nil, err
	}
	g := &gate{
		UDPConn: conn, block: block, limits: lim, log: log, epoch: time.Now(),
		peers: map[kcpcore.SessionKey]*peer{}, perIP: map[netip.Addr]int{},
	}
	if conn != nil {
		if g.in, err = newDatagrams(conn, readBatch, maxDatagram); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ReadFrom returns the next datagram that may reach kcp-go.
func (g *gate) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if g.next == g.count {
			n, err := g.in.read()
			if err != nil {
				return 0, nil, err
			}
			g.next, g.count = 0, n
		}
		data, from, ok := g.in.datagram(g.next)
		g.next++
		if !ok {
			continue
		}
		if data, ok = kcpcore.Open(g.block, data); !ok {
			continue
		}
		if p := g.admit(data, from); p != nil {
			return copy(b, data), p.udp, nil
		}
	}
}

// admit decides whether a decrypted datagram from an address may reach
// the KCP layer, and returns the peer it goes to if it may.
func (g *gate) admit(data []byte, from netip.AddrPort) *peer {
	if len(data) < kcpcore.IKCP_OVERHEAD {
		return nil
	}
	conv, ok := kcpcore.Conversation(data)
	key := kcpcore.SessionKey{Addr: from, Conv: conv}
	g.mu.Lock()
	var p *peer
	if ok {
		p = g.peers[key]
	} else {
		p, _ = g.byAddr.Newest(from)
	}
	closed := g.closed
	g.mu.Unlock()
	switch {
	case closed:
		return nil
	case p != nil:
		p.seen.Store(int64(time.Since(g.epoch)))
		return p
	case !ok:
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[key]; p != nil { // admitted meanwhile (by attach)
		return p
	}
	return g.reserve(key)
}

// reserve admits a new conversation within the limits, or returns nil.
// g.mu is held.
func (g *gate) reserve(key kcpcore.SessionKey) *peer {
	ip := source(key.Addr)
	if (g.limits.total >= 0 && g.pending >= g.limits.total) || (g.limits.perIP >= 0 && g.perIP[ip] >= g.limits.perIP) {
		g.refusedOne()
		return nil
	}
	p := &peer{key: key, udp: net.UDPAddrFromAddrPort(key.Addr), pending: true}
	p.seen.Store(int64(time.Since(g.epoch)))
	g.peers[key] = p
	g.byAddr.Add(key.Addr, p)
	g.pending++
	g.perIP[ip]++
	p.timer = time.AfterFunc(g.limits.timeout, func() { g.expire(p) })
	return p
}

// source is what the per-IP limit counts an address under: its IPv4
// address, or its IPv6 /64 (one host commonly holds a whole /64).
func source(addr netip.AddrPort) netip.Addr {
	ip := addr.Addr()
	if ip.Is4() {
		return ip
	}
	p, _ := ip.Prefix(64)
	return p.Addr()
}

// refusedOne counts a datagram dropped at the limits and logs, at most
// every logEvery, how many were. g.mu is held.
func (g *gate) refusedOne() {
	g.refused++
	if g.log == nil || time.Since(g.loggedAt) < logEvery {
		return
	}
	g.log.Warn("kcp: sessions in handshake at the limit: datagrams from new addresses dropped",
		"dropped", g.refused, "in_handshake", g.pending, "max", g.limits.total, "max_per_ip", g.limits.perIP)
	g.refused, g.loggedAt = 0, time.Now()
}

// release forgets p, and its place in the limits if it was pending. g.mu
// is held.
func (g *gate) release(p *peer) {
	delete(g.peers, p.key)
	g.byAddr.Remove(p.key.Addr, p)
	g.unpend(p)
}

// unpend gives back p's place in the limits and stops its deadline, if it
// was pending. g.mu is held.
func (g *gate) unpend(p *peer) {
	if !p.pending {
		return
	}
	p.pending = false
	p.timer.Stop()
	g.pending--
	ip := source(p.key.Addr)
	if g.perIP[ip]--; g.perIP[ip] <= 0 {
		delete(g.perIP, ip)
	}
}

// attach pairs a session the KCP layer accepted with its admitted
// conversation. It reports false when the session must be closed: the KCP
// layer opened it for a conversation the gate no longer admits (its
// deadline passed while the session waited to be accepted, or a datagram
// raced with the close of the conversation's previous session) and the
// limits are reached.
func (g *gate) attach(s *session) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	p := g.peers[s.Key()]
	if p != nil && p.sess == nil {
		p.sess, s.peer = s, p
		return true
	}
	if p != nil { // a session of the same conversation is still attached
		g.release(p)
	}
	if p = g.reserve(s.Key()); p == nil {
		return false
	}
	p.sess, s.peer = s, p
	return true
}

// silence returns how long ago the last datagram from s's peer arrived.
func (g *gate) silence(s *session) time.Duration {
	return time.Since(g.epoch) - time.Duration(s.peer.seen.Load())
}

// establish takes s out of the limits and its deadline.
func (g *gate) establish(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[s.Key()]; p != nil && p.sess == s {
		g.unpend(p)
	}
}

// forget releases the address of s, which closes.
func (g *gate) forget(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[s.Key()]; p != nil && p.sess == s {
		g.release(p)
	}
}

// expire closes p's session at its handshake deadline; it runs on p's
// timer.
func (g *gate) expire(p *peer) {
	g.mu.Lock()
	if g.peers[p.key] != p || !p.pending {
		g.mu.Unlock()
		return
	}
	g.release(p)
	s := p.sess
	g.mu.Unlock()
	if s != nil {
		s.expire()
	}
}

// inHandshake returns the number of sessions admitted and not established.
func (g *gate) inHandshake() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pending
}

// Close stops admitting, stops the deadlines and closes the socket.
func (g *gate) Close() error {
	g.stop()
	return g.UDPConn.Close()
}

// stop stops admitting and stops the deadlines.
func (g *gate) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, p := range g.peers {
		if p.pending {
			p.timer.Stop()
		}
	}
	clear(g.peers)
	g.byAddr.Clear()
	clear(g.perIP)
	g.pending = 0
}
