package kcp

import (
	"encoding/binary"
	"hash/crc32"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	kcpgo "github.com/xtaci/kcp-go/v5"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Sizes of kcp-go's datagram layout (kcp-go v5.6.35: sess.go, kcp.go,
// fec.go).
const (
	nonceSize   = 16   // crypto header: a random nonce...
	crcSize     = 4    // ...then the CRC32 of the rest
	kcpHeader   = 24   // IKCP_OVERHEAD: conv, cmd, frg, wnd, ts, sn, una, len
	fecHeader   = 8    // FEC seqid, flag and the 2-byte size of a data shard
	fecData     = 0xf1 // FEC flag of a data shard (at offset 4)
	fecParity   = 0xf2 // FEC flag of a parity shard
	maxDatagram = 1500 // kcp-go's mtuLimit: the buffer it reads into
	logEvery    = 10 * time.Second
)

// limits bound the sessions that have not completed the handshake.
type limits struct {
	total, perIP int // negative: none
	timeout      time.Duration
}

// gate is the listener's UDP socket as the KCP layer (internal/kcpcore,
// kcp-go's server side) sees it. It opens a session (a reader goroutine and
// a session for the server) for the first datagram from any address it
// does not know, so
// the gate decides which datagrams reach it:
//
//   - a datagram from an address with a session, or one being opened,
//     passes; without a key, not if it belongs to another conversation
//     (kcp-go would replace the address's session by a new one);
//   - a datagram from a new address passes only if kcp-go would open a
//     session for it (it decrypts, when there is a key) and while the
//     sessions that have not completed the handshake are under the limits,
//     in total and per IP address. Each one admitted gets a deadline: a
//     session not established by then is closed.
//
// Everything else is dropped before kcp-go allocates anything: the cost of
// a refused datagram is one read and a map lookup.
//
// kcp-go reads it with ReadFrom from one goroutine (its listener's monitor,
// which handles each datagram before it reads the next) and its sessions
// write with WriteTo. kcp-go batches system calls (recvmmsg, sendmmsg) on a
// *net.UDPConn only: the gate batches its reads itself, the sessions' writes
// take one system call per datagram.
type gate struct {
	*net.UDPConn
	batch  batchReader
	msgs   []ipv4.Message   // the last batch read; ReadFrom only
	next   int              // the next message of msgs to hand out
	count  int              // the messages in msgs
	block  kcpgo.BlockCrypt // the gate's own instance; nil without a key
	limits limits
	log    *slog.Logger
	epoch  time.Time // the monotonic origin of peer.seen

	mu       sync.Mutex
	peers    map[netip.AddrPort]*peer
	pending  int                // sessions admitted and not established
	perIP    map[netip.Addr]int // by source()
	closed   bool
	refused  int // datagrams dropped at the limits since the last log
	loggedAt time.Time

	scratch [maxDatagram]byte // decrypts first datagrams; ReadFrom only
}

// peer is an address the gate admitted.
type peer struct {
	addr    netip.AddrPort
	conv    uint32
	pending bool         // not established: counted against the limits
	timer   *time.Timer  // the handshake deadline while pending
	sess    *session     // once kcp-go's session was accepted
	seen    atomic.Int64 // when its last datagram arrived, since the gate's epoch
}

// batchReader reads several datagrams in one system call (recvmmsg on
// Linux): x/net's ipv4 and ipv6 packet connections.
type batchReader interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
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
		peers: map[netip.AddrPort]*peer{}, perIP: map[netip.Addr]int{},
	}
	if conn != nil {
		g.batch = ipv6.NewPacketConn(conn)
		if la, ok := conn.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() != nil {
			g.batch = ipv4.NewPacketConn(conn)
		}
		g.msgs = make([]ipv4.Message, readBatch)
		for i := range g.msgs {
			g.msgs[i].Buffers = [][]byte{make([]byte, maxDatagram)}
		}
	}
	return g, nil
}

// ReadFrom returns the next datagram that may reach kcp-go.
func (g *gate) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if g.next == g.count {
			n, err := g.batch.ReadBatch(g.msgs, 0)
			if err != nil {
				return 0, nil, err
			}
			g.next, g.count = 0, n
		}
		m := &g.msgs[g.next]
		g.next++
		ua, ok := m.Addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		ap := ua.AddrPort()
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if data := m.Buffers[0][:m.N]; g.admit(data, ap) {
			return copy(b, data), ua, nil
		}
	}
}

// admit decides whether data from addr may reach kcp-go.
func (g *gate) admit(data []byte, from netip.AddrPort) bool {
	g.mu.Lock()
	p, closed := g.peers[from], g.closed
	g.mu.Unlock()
	switch {
	case closed:
		return false
	case p != nil:
		if g.block == nil && !sameConv(data, p.conv) {
			return false
		}
		p.seen.Store(int64(time.Since(g.epoch)))
		return true
	}
	conv, ok := g.opens(data)
	if !ok {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[from]; p != nil { // admitted meanwhile (by attach)
		return g.block != nil || p.conv == conv
	}
	return g.reserve(from, conv) != nil
}

// opens returns the conversation of a datagram from a new address, and
// whether kcp-go would open a session for it: it decrypts with the key
// (when there is one) and holds a KCP segment that is not FEC parity.
func (g *gate) opens(data []byte) (uint32, bool) {
	if g.block != nil {
		if len(data) < nonceSize+crcSize || len(data) > len(g.scratch) {
			return 0, false
		}
		buf := g.scratch[:len(data)]
		g.block.Decrypt(buf, data)
		buf = buf[nonceSize:]
		if crc32.ChecksumIEEE(buf[crcSize:]) != binary.LittleEndian.Uint32(buf) {
			return 0, false
		}
		data = buf[crcSize:]
	}
	return convOf(data)
}

// convOf returns the conversation of a decrypted datagram as kcp-go reads
// it; ok is false when kcp-go reads none (a parity shard, too short).
func convOf(data []byte) (conv uint32, ok bool) {
	if len(data) < kcpHeader {
		return 0, false
	}
	switch binary.LittleEndian.Uint16(data[4:]) {
	case fecParity:
		return 0, false
	case fecData:
		if len(data) < fecHeader+kcpHeader {
			return 0, false
		}
		return binary.LittleEndian.Uint32(data[fecHeader:]), true
	}
	return binary.LittleEndian.Uint32(data), true
}

// sameConv reports whether a plaintext datagram may reach the session of
// conversation conv: it belongs to it, or carries no conversation.
func sameConv(data []byte, conv uint32) bool {
	c, ok := convOf(data)
	return !ok || c == conv
}

// reserve admits a new address within the limits, or returns nil. g.mu is
// held.
func (g *gate) reserve(addr netip.AddrPort, conv uint32) *peer {
	ip := source(addr)
	if (g.limits.total >= 0 && g.pending >= g.limits.total) || (g.limits.perIP >= 0 && g.perIP[ip] >= g.limits.perIP) {
		g.refusedOne()
		return nil
	}
	p := &peer{addr: addr, conv: conv, pending: true}
	p.seen.Store(int64(time.Since(g.epoch)))
	g.peers[addr] = p
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
	delete(g.peers, p.addr)
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
	ip := source(p.addr)
	if g.perIP[ip]--; g.perIP[ip] <= 0 {
		delete(g.perIP, ip)
	}
}

// attach pairs a session kcp-go accepted with its admitted address. It
// reports false when the session must be closed: kcp-go opened it for an
// address the gate no longer (or never) admitted, which happens when a
// datagram races with the close of the address's previous session or a
// client holding the key restarts from the same port, and the limits are
// reached.
func (g *gate) attach(s *session) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	p := g.peers[s.addr]
	if p != nil && p.sess == nil {
		p.sess, s.peer = s, p
		return true
	}
	if p != nil { // a new conversation replaced p's session, which closes
		g.release(p)
	}
	if p = g.reserve(s.addr, s.GetConv()); p == nil {
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
	if p := g.peers[s.addr]; p != nil && p.sess == s {
		g.unpend(p)
	}
}

// forget releases the address of s, which closes.
func (g *gate) forget(s *session) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.peers[s.addr]; p != nil && p.sess == s {
		g.release(p)
	}
}

// expire closes p's session at its handshake deadline; it runs on p's
// timer.
func (g *gate) expire(p *peer) {
	g.mu.Lock()
	if g.peers[p.addr] != p || !p.pending {
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
	clear(g.perIP)
	g.pending = 0
}
