package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkset"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Node is a server's membership in a cluster: gossip, links to the other
// servers, forwarding, remote calls and remote sessions. Create it with
// [New] before starting the server; the server starts it, makes it leave
// when shutdown begins and closes it at the end (through the interface New
// hands it, not through Node's methods). Applications call other servers
// with it (generated XxxRemote stubs take it as their gamesrv.RemoteConn)
// and read its state.
type Node struct {
	srv  *server.Server
	host serverhost.Host // srv.Internal
	opts Options
	log  *slog.Logger
	boot string

	ctx    context.Context // system calls and joins; cancelled by Close
	cancel context.CancelFunc
	id     string
	ms     *Membership
	links  *linkset.Set // set at start
	joined atomic.Bool  // a join succeeded

	mu     sync.Mutex // guards closed, for goAsync
	closed bool

	metrics   metrics.Recorder
	sessions  sessionRegistry
	forwarded forwardedIndex
	rr        sync.Map // server type -> *atomic.Uint64 (round robin)
	pins      sync.Map // server type -> gamesrv.Key[string] (forward pins)
	wg        sync.WaitGroup
}

var _ gamesrv.RemoteConn = (*Node)(nil)

// New creates the cluster node of srv and installs it in srv. Nothing is
// bound until srv starts. It fails with an error wrapping [ErrInsecure]
// when the node would listen beyond loopback unprotected (see
// Options.Insecure).
func New(srv *server.Server, opts Options) (*Node, error) {
	opts = opts.withDefaults()
	if err := opts.checkExposure(); err != nil {
		return nil, err
	}
	host := serverhost.Of(srv.Internal)
	if host == nil {
		return nil, errors.New("cluster: the server was not made by server.New")
	}
	n := &Node{srv: srv, host: host, opts: opts, log: opts.Logger, boot: randomID()}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.sessions.init()
	if err := host.UseCluster(serverSide{n}); err != nil {
		return nil, err
	}
	return n, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ID returns this server's id.
func (n *Node) ID() string { return n.id }

// Membership returns the gossip view of the cluster (nil before start).
func (n *Node) Membership() *Membership { return n.ms }

// LinkAddr returns the address of the link listener (after start).
func (n *Node) LinkAddr() string {
	if n.links == nil || n.links.Addr() == nil {
		return ""
	}
	return n.links.Addr().String()
}

// start binds the link listener, starts gossip and joins the seeds; the
// server calls it at its start (serverSide.Start).
func (n *Node) start() error {
	n.id = n.srv.ID()
	n.metrics = n.host.Metrics()
	if n.log == nil {
		n.log = n.srv.Logger()
	}
	n.log = n.log.With("server", n.id)
	n.warnExposure()
	n.links = linkset.New(linkset.Config{
		ID: n.id, Boot: n.boot, Secret: n.opts.LinkSecret, TLS: n.opts.LinkTLS,
		MaxInflight: n.opts.MaxInflight, MaxConcurrent: n.opts.MaxConcurrent,
		CallTimeout: n.opts.CallTimeout, DialTimeout: n.opts.DialTimeout, WriteBuffer: n.opts.WriteBuffer,
		Log: n.log, Metrics: n.metrics, Handler: linkHandler{n},
	})
	if err := n.links.Listen(n.opts.LinkAddr); err != nil {
		return err
	}
	if err := n.startGossip(); err != nil {
		n.links.Close(context.Background())
		return err
	}
	n.links.Run()
	n.registerGauges()
	return n.join()
}

// registerGauges exports the cluster's gauges when the recorder takes them.
func (n *Node) registerGauges() {
	g, ok := n.metrics.(metrics.Gauges)
	if !ok {
		return
	}
	g.Gauge("gamesrv_cluster_members", "Alive servers in this server's view, itself included.",
		func() float64 { return float64(n.ms.NumMembers()) }, "server", n.id)
	g.Gauge("gamesrv_cluster_links", "Open server-to-server links.", func() float64 { return float64(n.links.Len()) }, "server", n.id)
}

func (n *Node) startGossip() error {
	ms, err := NewMembership(MembershipConfig{
		Self: Member{
			ID: n.id, Type: n.srv.ServerType(), LinkAddr: n.advertisedLinkAddr(),
			Frontend: n.host.Frontend(), Version: n.opts.Version, Weight: n.opts.Weight, BootID: n.boot,
		},
		BindAddr: n.opts.GossipAddr, AdvertiseAddr: n.opts.GossipAdvertise, Profile: n.opts.Profile,
		Key: n.opts.GossipKey, Logger: n.log,
		OnJoin: n.onJoin, OnLeave: n.onLeave, OnUpdate: n.onUpdate,
	})
	if err != nil {
		return err
	}
	n.ms = ms
	return nil
}

// advertisedLinkAddr is the link address other servers dial.
func (n *Node) advertisedLinkAddr() string {
	if n.opts.LinkAdvertise != "" {
		return n.opts.LinkAdvertise
	}
	addr := n.links.Addr().(*net.TCPAddr)
	if !addr.IP.IsUnspecified() {
		return addr.String()
	}
	host := "127.0.0.1"
	if h, _, err := net.SplitHostPort(n.opts.GossipAdvertise); err == nil && h != "" {
		host = h
	} else if n.opts.GossipAdvertise != "" {
		host = n.opts.GossipAdvertise
	}
	return net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// join contacts the seeds. A server whose seeds cannot be reached yet
// (they are starting too, or the network is slow) still starts: it logs
// that it is alone, reports not Ready, and keeps joining in the background
// with backoff until a seed answers. Only a duplicate id fails Start.
func (n *Node) join() error {
	if len(n.opts.Seeds) == 0 {
		return nil
	}
	err := n.joinOnce()
	if err == nil {
		n.wg.Add(1)
		go n.refreshJoin()
		return nil
	}
	if errors.Is(err, ErrDuplicateID) {
		return err
	}
	n.log.Warn("cannot join the cluster yet: alone, joining in the background", "seeds", n.opts.Seeds, "err", err)
	n.wg.Add(1)
	go n.keepJoining()
	return nil
}

// joinOnce joins the seeds once.
func (n *Node) joinOnce() error {
	if _, err := n.ms.Join(n.opts.Seeds); err != nil {
		return fmt.Errorf("cluster: join %v: %w", n.opts.Seeds, err)
	}
	if err := n.checkDuplicate(); err != nil {
		return err
	}
	n.joined.Store(true)
	n.log.Info("joined the cluster", "members", n.ms.NumMembers())
	return nil
}

// refreshJoin1 and refreshJoin2 are the delays after a join at which a server exchanges
// state with its seeds again. Servers that start together join a seed
// that does not know all of them yet, and learn of each other by gossip;
// one that missed an announcement would otherwise wait for the periodic
// push/pull (up to a minute with ProfileLAN at 50 servers). By then the
// seeds know every server.
const (
	refreshJoin1 = time.Second
	refreshJoin2 = 3 * time.Second
)

// refreshJoin joins the seeds again at refreshJoin1 and refreshJoin2.
func (n *Node) refreshJoin() {
	defer n.wg.Done()
	start := time.Now()
	for _, d := range [...]time.Duration{refreshJoin1, refreshJoin2} {
		t := time.NewTimer(time.Until(start.Add(d)))
		select {
		case <-t.C:
		case <-n.ctx.Done():
			t.Stop()
			return
		}
		if _, err := n.ms.Join(n.opts.Seeds); err != nil {
			n.log.Debug("cluster: refreshing the view from the seeds", "err", err)
		}
	}
}

// Join retries: 200 ms doubling to 5 s.
const (
	joinRetryMin = 200 * time.Millisecond
	joinRetryMax = 5 * time.Second
)

// keepJoining retries the join until it succeeds or the node closes.
func (n *Node) keepJoining() {
	defer n.wg.Done()
	wait := joinRetryMin
	t := time.NewTimer(wait)
	defer t.Stop()
	for tries := 2; ; tries++ {
		select {
		case <-t.C:
		case <-n.ctx.Done():
			return
		}
		if n.ms.NumMembers() > 1 { // a seed reached us first
			n.joined.Store(true)
			n.log.Info("joined the cluster (contacted by a peer)", "members", n.ms.NumMembers())
			return
		}
		err := n.joinOnce()
		switch {
		case err == nil:
			n.wg.Add(1)
			go n.refreshJoin()
			return
		case errors.Is(err, ErrDuplicateID):
			n.log.Error("this server stays out of the cluster", "err", err)
			return
		}
		n.log.Warn("still alone in the cluster: join failed", "tries", tries, "retry_in", wait, "err", err)
		wait = min(2*wait, joinRetryMax)
		t.Reset(wait)
	}
}

// Ready reports whether the node is part of a cluster: it has no seeds
// (it starts one), or it joined them. A node whose seeds have not answered
// yet is alone and not ready; serve it in the readiness probe (the admin's
// /healthz does when given the node).
func (n *Node) Ready() bool {
	if n.ms == nil {
		return false
	}
	return len(n.opts.Seeds) == 0 || n.joined.Load() || n.ms.NumMembers() > 1
}

// ErrDuplicateID is wrapped by the error of a Start that found this
// server's id held by another live server.
var ErrDuplicateID = errors.New("cluster: server id already in use")

// checkDuplicate refuses to run beside a live server with the same id.
// When the seeds know this id at another address, that server's link
// listener is asked who it is: a server that answers the handshake under
// this id with another boot id is alive, and this one stops its gossip
// (without the Leave that would speak for the other) and fails. A holder
// that does not answer is an earlier run of this server, which gossip
// will declare dead; Membership keeps rejoining until the seeds accept
// this run.
func (n *Node) checkDuplicate() error {
	holder, ok := n.ms.ClaimedBy()
	if !ok || holder.BootID == n.boot || holder.LinkAddr == "" {
		return nil
	}
	if !n.answersAs(holder) {
		return nil
	}
	_ = n.ms.Shutdown()
	return fmt.Errorf("%w: server %q is alive at gossip %s, link %s", ErrDuplicateID, n.id, holder.GossipAddr, holder.LinkAddr)
}

// answersAs reports whether a live server answers the link handshake at
// m's link address under this server's id, with another boot id. The
// probe stops after the listener's hello: it never becomes a link.
func (n *Node) answersAs(m Member) bool {
	h, err := n.links.Probe(m.LinkAddr)
	return err == nil && h.GetServerId() == n.id && h.GetBootId() != n.boot
}

// leave tells the others this server is going; the server calls it when
// its shutdown begins (serverSide.Leave). Its links stay up, so calls
// already sent to it are still answered.
func (n *Node) leave(ctx context.Context) error {
	if n.ms == nil {
		return nil
	}
	timeout := 2 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	return n.ms.Leave(timeout)
}

// Close stops the node without leaving the cluster: it stops accepting
// links, lets the incoming calls finish (until ctx is done), then closes
// every link and stops gossip. Later calls do nothing. The server's
// Shutdown leaves the cluster first and then closes the node itself, so
// applications need not call it; a test closes a node with a done ctx to
// show the others what a crashed server looks like.
func (n *Node) Close(ctx context.Context) error {
	n.mu.Lock()
	already := n.closed
	n.closed = true
	n.mu.Unlock()
	if already {
		return nil
	}
	if n.links != nil {
		n.links.Close(ctx)
	}
	n.cancel()
	var err error
	if n.ms != nil {
		err = n.ms.Shutdown()
	}
	n.wg.Wait()
	return err
}

// NumLinks returns the number of open server-to-server links, retired
// ones (closing once idle) included.
func (n *Node) NumLinks() int {
	if n.links == nil {
		return 0
	}
	return n.links.Len()
}

// onJoin, onLeave and onUpdate follow the membership; they run under
// memberlist's lock and must not block.
func (n *Node) onJoin(m Member) {
	n.log.Debug("member joined", "member", m.ID, "type", m.Type)
	if n.opts.OnJoin != nil {
		n.opts.OnJoin(m)
	}
}

// onLeave stops routing to a member. A member that left gracefully keeps
// its links: it answers the calls already sent before it closes them. A
// dead one fails them at once.
func (n *Node) onLeave(m Member, graceful bool) {
	n.log.Info("member left", "member", m.ID, "type", m.Type, "graceful", graceful)
	if graceful {
		n.goAsync(func() { n.sessions.dropFrontend(m.ID) })
	} else {
		n.memberGone(m, linkset.ErrPeerDead)
	}
	if n.opts.OnLeave != nil {
		n.opts.OnLeave(m, graceful)
	}
}

func (n *Node) onUpdate(m Member) {
	if l := n.links.Current(m.ID); l != nil && l.Peer.Boot != m.BootID {
		n.log.Info("member restarted", "member", m.ID)
		n.memberGone(m, linkset.ErrPeerRestarted)
	}
	if n.opts.OnUpdate != nil {
		n.opts.OnUpdate(m)
	}
}

// memberGone fails the links to a server that died or restarted, and ends
// the sessions it held. It runs them on another goroutine: it is called
// under memberlist's lock, and closing a link may write (TLS). A server
// declared dead whose link still answers a ping (a false death: gossip
// lost its probes, the process is fine) keeps its links, its calls in
// flight and its sessions: it gets no new work until gossip sees it alive
// again, and a link that really broke fails on its own.
func (n *Node) memberGone(m Member, why error) {
	gone := n.links.Drop(m.ID, m.BootID, why == linkset.ErrPeerRestarted)
	n.goAsync(func() {
		if why == linkset.ErrPeerDead && n.answers(gone) {
			n.log.Info("server declared dead still answers on its link: keeping the link", "member", m.ID)
			return
		}
		for _, l := range gone {
			l.Fail(why)
		}
		n.sessions.dropFrontend(m.ID)
	})
}

// pingTimeout bounds the ping that tells a false death from a real one.
const pingTimeout = time.Second

// answers reports whether the peer answers a ping on one of the links.
func (n *Node) answers(links []*link.Link) bool {
	for _, l := range links {
		if !l.Alive() {
			continue
		}
		ctx, cancel := context.WithTimeout(n.ctx, pingTimeout)
		_, err := l.Call(ctx, &gamesrvv1.Call{Route: routePing})
		cancel()
		if err == nil {
			return true
		}
	}
	return false
}

// goAsync runs f in a goroutine that Close waits for, unless the node is
// closing.
func (n *Node) goAsync(f func()) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	n.wg.Go(f)
}
