package gossip

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrClosed is returned by [Membership.Join] and
// [Membership.SetWeight] after [Membership.Leave] or [Membership.Shutdown].
var ErrClosed = errors.New("cluster: membership is shut down")

const (
	// defaultLeaveTimeout bounds Leave when its timeout is not positive.
	defaultLeaveTimeout = 2 * time.Second
	// updateTimeout bounds SetWeight's wait for its gossip.
	updateTimeout = time.Second
	// bindRetries is how often a port-0 bind is retried when the UDP bind
	// loses the race for the port the TCP bind got (memberlist does the same).
	bindRetries = 10
	// rejoinInterval and rejoinFor pace the repeated joins of a restarted
	// server that the seeds still know at its old address (see Join).
	rejoinInterval = 500 * time.Millisecond
	rejoinFor      = 2 * time.Minute
)

// Config configures gossip membership. Only Self.ID and Self.Type
// are required.
type Config struct {
	// Self describes this server. ID and Type are required; ID must be
	// unique in the cluster (it is the memberlist node name). BootID is
	// generated when empty; leave it empty unless a test needs a fixed one.
	// The encoded metadata must fit in [MaxMetaSize] bytes.
	Self Member

	// BindAddr is the gossip "ip:port" to bind, UDP and TCP on the same port.
	// Port 0 picks a free port ([Membership.GossipAddr] tells which). Empty
	// means "0.0.0.0:7946" (memberlist's usual port, all interfaces) with
	// ProfileLAN and "127.0.0.1:0" with ProfileFast. The host must be an IP
	// address.
	BindAddr string

	// AdvertiseAddr is the address peers use to reach this server: an IP
	// address, optionally with ":port" (default: the bound port). When
	// empty, memberlist advertises the bound IP, or, for a 0.0.0.0 bind, the
	// first private (RFC 1918) address of the host, and New fails
	// on hosts without one. Set it in production, for instance to the pod IP.
	AdvertiseAddr string

	// Profile selects the gossip timings; the zero value is [ProfileLAN].
	Profile Profile

	// Key enables gossip encryption (AES-GCM) of every packet and stream
	// when set; it must be 16, 24 or 32 bytes and the same on every server.
	// A server with a different key, or none, cannot join.
	Key []byte

	// Label, when set, is attached to every gossip packet and stream, and
	// packets with another label are dropped: it keeps two clusters on one
	// network apart. At most 255 bytes; the same on every server.
	Label string

	// Logger receives memberlist's log lines: its [WARN] and [ERR] lines at
	// Warn and Error level, everything else at Debug. Nil discards them.
	Logger *slog.Logger

	// OnJoin, OnLeave and OnUpdate, when set, are called after a member was
	// added to, removed from or changed in the view: OnUpdate when its
	// metadata changed, including its BootID (the server restarted) or its
	// Weight. They are called for this server too (OnJoin while New
	// runs, OnLeave during Leave). Calls are sequential, in the order of the
	// changes, on memberlist's goroutines while it holds its node lock: they
	// must return quickly, and may read the Membership (Members, Member,
	// ByType...) but must not call Join, SetWeight, Leave or Shutdown.
	OnJoin, OnUpdate func(Member)

	// OnLeave is called after a member left the view, with graceful true
	// when it announced its departure (Leave) and false when it was
	// declared dead (or its metadata turned bad). Same rules as OnJoin.
	// (memberlist's own Node.State is stale in its leave event, so Leave
	// first gossips a Leaving flag in the metadata.)
	OnLeave func(m Member, graceful bool)
}

// Membership is this server's view of the cluster: the alive servers, as
// memberlist's gossip reports them. Its methods are safe for concurrent use.
//
// Reads (Members, Member, ByType, Types, NumMembers, Self) are served from an
// index maintained by memberlist's events and never block on the network.
type Membership struct {
	ml         *memberlist.Memberlist
	log        *slog.Logger
	view       *memberView
	id         string // Self().ID
	gossipAddr string // Self().GossipAddr, known before memberlist starts
	onJoin     func(Member)
	onLeave    func(Member, bool)
	onUpdate   func(Member)

	selfMu sync.Mutex // guards self and meta
	self   Member
	meta   []byte // encodeMeta(self); replaced, never modified

	lifeMu    sync.Mutex    // guards the life cycle: leaving, stopped
	leaving   bool          // Leave started
	leaveDone chan struct{} // closed when Leave has shut down
	stopped   atomic.Bool

	staleSelf   atomic.Bool            // a join saw this server's id at another address
	holder      atomic.Pointer[Member] // the last server seen holding this id elsewhere, alive or suspect
	rejoinMu    sync.Mutex             // guards rejoinTimer
	rejoinTimer *time.Timer            // pending repeated join, or nil
	rejoinWG    sync.WaitGroup         // scheduled or running repeated joins
}

// New starts gossip for this server: it binds the gossip address
// and adds this server to its own view. It does not contact anyone; call
// [Membership.Join]. It fails, without binding anything, when the encoded
// metadata of cfg.Self exceeds [MaxMetaSize].
func New(cfg Config) (*Membership, error) {
	self, meta, err := prepareSelf(cfg.Self)
	if err != nil {
		return nil, err
	}
	m := &Membership{
		log:      cfg.Logger,
		id:       self.ID,
		view:     newMemberView(),
		onJoin:   cfg.OnJoin,
		onLeave:  cfg.OnLeave,
		onUpdate: cfg.OnUpdate,
		self:     self,
		meta:     meta,
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	mc, err := m.memberlistConfig(&cfg)
	if err != nil {
		return nil, err
	}
	if err := m.start(mc); err != nil {
		return nil, err
	}
	return m, nil
}

// prepareSelf validates the local member, fills in its BootID and encodes it.
func prepareSelf(self Member) (Member, []byte, error) {
	if self.ID == "" || self.Type == "" {
		return Member{}, nil, errors.New("cluster: Config.Self needs an ID and a Type")
	}
	self.GossipAddr = ""
	if self.BootID == "" {
		self.BootID = newBootID()
	}
	meta, err := encodeMeta(self)
	if err != nil {
		return Member{}, nil, err
	}
	return self, meta, nil
}

// newBootID returns 16 random hex digits.
func newBootID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// memberlistConfig translates cfg into a memberlist configuration, without
// the transport.
func (m *Membership) memberlistConfig(cfg *Config) (*memberlist.Config, error) {
	mc, err := cfg.Profile.config()
	if err != nil {
		return nil, err
	}
	bind := cfg.BindAddr
	if bind == "" {
		bind = cfg.Profile.DefaultBindAddr()
	}
	if mc.BindAddr, mc.BindPort, err = splitIPPort(bind, -1); err != nil {
		return nil, fmt.Errorf("cluster: gossip bind address: %w", err)
	}
	if cfg.AdvertiseAddr != "" {
		if mc.AdvertiseAddr, mc.AdvertisePort, err = splitIPPort(cfg.AdvertiseAddr, mc.BindPort); err != nil {
			return nil, fmt.Errorf("cluster: gossip advertise address: %w", err)
		}
	}
	if err := checkKey(cfg.Key); err != nil {
		return nil, err
	}
	if len(cfg.Label) > memberlist.LabelMaxSize {
		return nil, fmt.Errorf("cluster: gossip label is %d bytes, over memberlist's %d-byte limit", len(cfg.Label), memberlist.LabelMaxSize)
	}
	mc.Name = m.id
	mc.SecretKey = bytes.Clone(cfg.Key)
	mc.Label = cfg.Label
	mc.Logger = log.New(gossipLogWriter{m.log}, "", 0)
	mc.Delegate = gossipHooks{m}
	mc.Events = gossipHooks{m}
	mc.Merge = gossipHooks{m}
	return mc, nil
}

// splitIPPort parses "ip:port", or a bare "ip" when defPort ≥ 0. An empty
// host means 0.0.0.0.
func splitIPPort(s string, defPort int) (string, int, error) {
	if defPort >= 0 && net.ParseIP(s) != nil {
		return s, defPort, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil && defPort >= 0 {
		return "", 0, fmt.Errorf("%q: want an IP address, optionally with :port", s)
	}
	if err != nil {
		return "", 0, err
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if net.ParseIP(host) == nil {
		return "", 0, fmt.Errorf("%q: host must be an IP address", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("%q: bad port", s)
	}
	return host, int(p), nil
}

func checkKey(key []byte) error {
	switch len(key) {
	case 0, 16, 24, 32:
		return nil
	default:
		return fmt.Errorf("cluster: gossip key is %d bytes, want 16, 24 or 32", len(key))
	}
}

// start binds the transport and creates the memberlist. The transport is
// ours so that it is released when setting up memberlist fails after
// binding (memberlist does not release it, e.g. for "no private IP address
// found"), and so that an idle server makes little garbage (packetTransport).
func (m *Membership) start(mc *memberlist.Config) error {
	t, err := listenPacketTransport(mc.BindAddr, mc.BindPort, mc.Logger)
	if err != nil {
		return fmt.Errorf("cluster: gossip for server %q: %w", m.id, err)
	}
	if mc.BindPort == 0 {
		mc.BindPort = t.Port()
		mc.AdvertisePort = mc.BindPort
	}
	if err := m.create(t, mc); err != nil {
		_ = t.Shutdown()
		return fmt.Errorf("cluster: gossip for server %q: %w", m.id, err)
	}
	return nil
}

// create learns the advertised address, then creates the memberlist.
func (m *Membership) create(t *packetTransport, mc *memberlist.Config) error {
	ip, port, err := t.FinalAdvertiseAddr(mc.AdvertiseAddr, mc.AdvertisePort)
	if err != nil {
		return fmt.Errorf("%w (set Config.AdvertiseAddr)", err)
	}
	if ip.IsUnspecified() {
		return fmt.Errorf("cannot advertise %q: set Config.AdvertiseAddr to an IP address peers can reach", ip.String())
	}
	// Written before memberlist starts its goroutines; read-only after.
	m.gossipAddr = net.JoinHostPort(ip.String(), strconv.Itoa(port))
	m.self.GossipAddr = m.gossipAddr
	mc.Transport = t
	if m.ml, err = memberlist.Create(mc); err != nil {
		return err
	}
	if got := m.ml.LocalNode().Address(); got != m.gossipAddr {
		m.log.Warn("cluster: memberlist advertises another address than expected", "got", got, "want", m.gossipAddr)
	}
	return nil
}

// Join contacts the seeds, "host:port" gossip addresses or DNS names (all
// addresses of a name are tried; a missing port means this server's gossip
// port), and exchanges state with each. It returns how many seed addresses
// were contacted, and an error only when none could be. Including this
// server's own address is harmless (and lets every server share one seed
// list: the first one up "joins" itself).
//
// Contacted is not accepted: memberlist's Join succeeds even when the peers
// then reject this server ("Conflicting address" in their logs). They do so
// when another live server uses the same ID, and when this server restarted
// on a new address before they declared its previous run dead, or less than
// 1 s (DeadNodeReclaimTime) after. In that second case, which Join detects
// from the seeds' state, Membership joins the same seeds again every 500 ms,
// in the background, until they know this server at its new address (for at
// most 2 minutes), so that a restarted server is back in every view about
// 1 s after its previous run was declared dead, rather than after the next
// periodic push/pull (up to 30 s with ProfileLAN). Watch
// [Membership.NumMembers] or the callbacks to know that the cluster sees
// this server.
func (m *Membership) Join(seeds []string) (int, error) {
	if m.stopped.Load() {
		return 0, ErrClosed
	}
	if len(seeds) == 0 {
		return 0, errors.New("cluster: join: no seed addresses")
	}
	seeds = slices.Clone(seeds)
	n, stale, err := m.join(seeds)
	if stale {
		m.log.Info("cluster: the seeds know this server's id at another address (an earlier run?); joining again until they accept this one", "server", m.id)
		m.scheduleRejoin(seeds, time.Now().Add(rejoinFor))
	}
	return n, err
}

// join runs memberlist's Join and reports whether a seed knew this server's
// id at another address.
func (m *Membership) join(seeds []string) (int, bool, error) {
	m.staleSelf.Store(false)
	m.holder.Store(nil)
	n, err := m.ml.Join(seeds)
	stale := m.staleSelf.Load()
	if err != nil {
		return n, stale, fmt.Errorf("cluster: join %s: %w", strings.Join(seeds, ","), err)
	}
	return n, stale, nil
}

// scheduleRejoin joins the seeds again after rejoinInterval, unless the
// Membership is stopped or the deadline has passed.
func (m *Membership) scheduleRejoin(seeds []string, until time.Time) {
	m.rejoinMu.Lock()
	defer m.rejoinMu.Unlock()
	if m.stopped.Load() {
		return
	}
	if time.Now().After(until) {
		m.log.Warn("cluster: the seeds still know this server's id at another address; is another live server using it?", "server", m.id)
		return
	}
	if m.rejoinTimer != nil && m.rejoinTimer.Stop() {
		m.rejoinWG.Done()
	}
	m.rejoinWG.Add(1)
	m.rejoinTimer = time.AfterFunc(rejoinInterval, func() {
		defer m.rejoinWG.Done()
		m.rejoin(seeds, until)
	})
}

// rejoin is one repeated join; it schedules the next one while the seeds
// still know this server at another address or cannot be reached.
func (m *Membership) rejoin(seeds []string, until time.Time) {
	if m.stopped.Load() {
		return
	}
	_, stale, err := m.join(seeds)
	switch {
	case err != nil:
		m.log.Debug("cluster: repeated join failed", "err", err)
	case stale:
	default:
		m.log.Info("cluster: the seeds accepted this run of the server", "server", m.id)
		return
	}
	m.scheduleRejoin(seeds, until)
}

// stopRejoin cancels a scheduled repeated join and waits for a running one;
// m.stopped is already set.
func (m *Membership) stopRejoin() {
	m.rejoinMu.Lock()
	if m.rejoinTimer != nil && m.rejoinTimer.Stop() {
		m.rejoinWG.Done()
	}
	m.rejoinTimer = nil
	m.rejoinMu.Unlock()
	m.rejoinWG.Wait()
}

// Self returns this server as it is gossiped, with its BootID and
// GossipAddr filled in.
func (m *Membership) Self() Member {
	m.selfMu.Lock()
	defer m.selfMu.Unlock()
	return m.self
}

// Members returns the alive members, this server included, sorted by ID.
// The slice is the caller's.
func (m *Membership) Members() []Member { return m.view.all() }

// Member returns the alive member with the given id (this server included).
func (m *Membership) Member(id string) (Member, bool) { return m.view.get(id) }

// ByType returns the alive members of a type sorted by ID, this server
// included if it is of that type, or nil. It is cheap (a map look-up under a
// read lock) and returns a slice shared with other callers: do not modify it.
// A later change of the view builds a new slice; the one returned stays as
// it was.
func (m *Membership) ByType(typ string) []Member { return m.view.ofType(typ) }

// Types returns the server types that have at least one alive member,
// sorted. The slice is the caller's.
func (m *Membership) Types() []string { return m.view.typeNames() }

// NumMembers returns the number of alive members, this server included.
func (m *Membership) NumMembers() int { return m.view.len() }

// GossipAddr returns the "ip:port" other servers reach this server's gossip
// at: the address to put in their seed lists. With port 0 in BindAddr it is
// the port actually bound.
func (m *Membership) GossipAddr() string { return m.gossipAddr }

// SetWeight changes this server's Weight and gossips it; peers see it
// through OnUpdate. It waits up to 1 s for the gossip to go out; an error
// after that means the change is made locally and will still spread.
func (m *Membership) SetWeight(w int) error {
	m.lifeMu.Lock()
	if m.stopped.Load() || m.leaving {
		m.lifeMu.Unlock()
		return ErrClosed
	}
	changed, err := m.setSelf(func(s *Member) { s.Weight = w })
	m.lifeMu.Unlock()
	if err != nil || !changed {
		return err
	}
	// memberlist's UpdateNode is safe beside Leave and Shutdown; no lock
	// is held while it waits for the gossip.
	if err := m.ml.UpdateNode(updateTimeout); err != nil {
		return fmt.Errorf("cluster: weight %d set, but its gossip did not finish in %v: %w", w, updateTimeout, err)
	}
	return nil
}

// setSelf applies f to a copy of self and, if the result encodes, installs
// it as the metadata memberlist will gossip.
func (m *Membership) setSelf(f func(*Member)) (changed bool, err error) {
	m.selfMu.Lock()
	defer m.selfMu.Unlock()
	next := m.self
	f(&next)
	if next == m.self {
		return false, nil
	}
	meta, err := encodeMeta(next)
	if err != nil {
		return false, err
	}
	m.self, m.meta = next, meta
	return true, nil
}

// Leave announces this server's departure, waits until the announcement has
// been gossiped or the timeout (≤ 0 means 2 s) has passed, then shuts down
// as [Membership.Shutdown] does. Peers see the departure within about
// 100 ms through OnLeave. On timeout it still shuts down and returns an
// error; peers then notice by probing. Leave is idempotent and does nothing
// after Shutdown. A Membership that left cannot join again (a memberlist
// limitation): create a new one, which gets a new BootID.
func (m *Membership) Leave(timeout time.Duration) error {
	m.lifeMu.Lock()
	if m.stopped.Load() || m.leaving {
		m.lifeMu.Unlock()
		return nil
	}
	m.leaving = true // from here on SetWeight fails and Leave does nothing
	m.leaveDone = make(chan struct{})
	m.lifeMu.Unlock()
	if timeout <= 0 {
		timeout = defaultLeaveTimeout
	}
	// No lock is held while the departure is gossiped. A Shutdown
	// meanwhile waits for it (memberlist's Leave panics after its
	// Shutdown), without holding the lock either.
	m.announceLeaving(timeout / 2)
	leaveErr := m.ml.Leave(timeout)
	m.lifeMu.Lock()
	defer m.lifeMu.Unlock()
	defer close(m.leaveDone)
	var stopErr error
	if !m.stopped.Load() {
		stopErr = m.stopLocked()
	}
	if leaveErr != nil {
		return errors.Join(fmt.Errorf("cluster: leave: %w (shut down anyway)", leaveErr), stopErr)
	}
	return stopErr
}

// announceLeaving gossips the Leaving flag, so that peers stop sending new
// work at once and report the departure as graceful.
func (m *Membership) announceLeaving(timeout time.Duration) {
	if changed, err := m.setSelf(func(s *Member) { s.Leaving = true }); err == nil && changed {
		if err := m.ml.UpdateNode(timeout); err != nil {
			m.log.Debug("cluster: leaving flag not fully gossiped", "err", err)
		}
	}
}

// Shutdown stops gossip at once, without telling anyone: to peers this looks
// like a crash, and they drop this server after failure detection (2–2.5 s
// with ProfileFast, 6–8.5 s with ProfileLAN, at 50 servers). The view is
// then empty and no callback runs any more. Shutdown is idempotent and may
// follow Leave.
func (m *Membership) Shutdown() error {
	m.lifeMu.Lock()
	if m.leaving && !m.stopped.Load() {
		done := m.leaveDone
		m.lifeMu.Unlock()
		<-done // Leave shuts down when its gossip is out (bounded by its timeout)
		return nil
	}
	defer m.lifeMu.Unlock()
	if m.stopped.Load() {
		return nil
	}
	return m.stopLocked()
}

// stopLocked shuts memberlist down and empties the view; m.lifeMu is held.
func (m *Membership) stopLocked() error {
	m.stopped.Store(true)
	err := m.ml.Shutdown()
	m.stopRejoin()
	m.view.close()
	if err != nil {
		return fmt.Errorf("cluster: gossip shutdown: %w", err)
	}
	return nil
}

// upsert adds or updates the member a memberlist node describes.
func (m *Membership) upsert(n *memberlist.Node) {
	mem, err := memberFromNode(n)
	if err != nil {
		m.log.Warn("cluster: ignoring gossip member with bad metadata", "node", n.Name, "addr", n.Address(), "err", err)
		m.drop(n.Name, true)
		return
	}
	old, existed, ok := m.view.put(mem)
	switch {
	case !ok:
	case !existed:
		m.notify(m.onJoin, mem)
	case old != mem:
		m.notify(m.onUpdate, mem)
	}
}

// drop removes a member from the view. The departure is graceful when the
// member had announced it was leaving.
func (m *Membership) drop(id string, bad bool) {
	if old, ok := m.view.remove(id); ok && m.onLeave != nil {
		m.notify(func(mem Member) { m.onLeave(mem, mem.Leaving && !bad) }, old)
	}
}

// notify runs a user callback; a panic in it is logged, not propagated
// into memberlist.
func (m *Membership) notify(f func(Member), mem Member) {
	if f == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("cluster: membership callback panicked", "member", mem.ID, "panic", r)
		}
	}()
	f(mem)
}

// memberFromNode decodes a memberlist node's metadata. memberlist's Node is
// read, never kept.
func memberFromNode(n *memberlist.Node) (Member, error) {
	mem, err := decodeMeta(n.Meta)
	if err != nil {
		return Member{}, err
	}
	if mem.ID != n.Name {
		return Member{}, fmt.Errorf("cluster: metadata names server %q, gossip names it %q", mem.ID, n.Name)
	}
	mem.GossipAddr = n.Address()
	return mem, nil
}

// gossipHooks is the memberlist Delegate and EventDelegate of a Membership.
// It is a separate type so that its methods are not part of Membership's API.
type gossipHooks struct{ m *Membership }

// NodeMeta returns this server's encoded metadata, at most limit bytes
// (encodeMeta guarantees MaxMetaSize).
func (h gossipHooks) NodeMeta(limit int) []byte {
	h.m.selfMu.Lock()
	defer h.m.selfMu.Unlock()
	if len(h.m.meta) > limit {
		return nil
	}
	return h.m.meta
}

// NotifyJoin, NotifyUpdate and NotifyLeave keep the view in step with
// memberlist; memberlist calls them one at a time, under its node lock.
func (h gossipHooks) NotifyJoin(n *memberlist.Node)   { h.m.upsert(n) }
func (h gossipHooks) NotifyUpdate(n *memberlist.Node) { h.m.upsert(n) }
func (h gossipHooks) NotifyLeave(n *memberlist.Node) {
	h.m.drop(n.Name, false)
}

// NotifyMsg, GetBroadcasts, LocalState and MergeRemoteState are unused:
// gamesrv sends nothing but metadata through gossip.
func (gossipHooks) NotifyMsg([]byte)                {}
func (gossipHooks) GetBroadcasts(int, int) [][]byte { return nil }
func (gossipHooks) LocalState(bool) []byte          { return nil }
func (gossipHooks) MergeRemoteState([]byte, bool)   {}

// NotifyMerge notes, during a join, whether the other side knows this
// server's id at another address: an earlier run that it has not yet
// replaced (or left, which would let this run in at once). It never vetoes.
func (h gossipHooks) NotifyMerge(peers []*memberlist.Node) error {
	for _, p := range peers {
		if p.Name == h.m.id && p.State != memberlist.StateLeft && p.Address() != h.m.gossipAddr {
			h.m.staleSelf.Store(true)
			if p.State == memberlist.StateAlive || p.State == memberlist.StateSuspect {
				if mem, err := decodeMeta(p.Meta); err == nil {
					mem.GossipAddr = p.Address()
					h.m.holder.Store(&mem)
				}
			}
		}
	}
	return nil
}

// ClaimedBy returns the server that the seeds of the last join knew,
// alive, under this server's id at another address: an earlier run not yet
// declared dead, or a live duplicate.
func (m *Membership) ClaimedBy() (Member, bool) {
	if h := m.holder.Load(); h != nil {
		return *h, true
	}
	return Member{}, false
}

// Interface guards.
var (
	_ memberlist.Delegate      = gossipHooks{}
	_ memberlist.EventDelegate = gossipHooks{}
	_ memberlist.MergeDelegate = gossipHooks{}
)

// gossipLogWriter turns memberlist's log lines ("[WARN] memberlist: ...")
// into slog records.
type gossipLogWriter struct{ log *slog.Logger }

func (w gossipLogWriter) Write(p []byte) (int, error) {
	line := strings.TrimRight(string(p), "\r\n")
	level, msg := slog.LevelDebug, line
	for _, l := range [...]struct {
		prefix string
		level  slog.Level
	}{
		{"[ERR] ", slog.LevelError},
		{"[ERROR] ", slog.LevelError},
		{"[WARN] ", slog.LevelWarn},
		{"[INFO] ", slog.LevelDebug},
		{"[DEBUG] ", slog.LevelDebug},
	} {
		if rest, ok := strings.CutPrefix(line, l.prefix); ok {
			level, msg = l.level, rest
			break
		}
	}
	if level > slog.LevelDebug && strings.Contains(msg, "use of closed network connection") {
		level = slog.LevelDebug // memberlist's goroutines racing its own shutdown
	}
	w.log.Log(context.Background(), level, msg)
	return len(p), nil
}
