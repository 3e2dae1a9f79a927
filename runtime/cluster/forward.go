package cluster

import (
	"context"
	"slices"
	"strconv"
	"sync"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/fanout"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
)

// forwardClient sends a client request on a route of another server type
// to one server of that type (serverSide.Forward), and done receives the
// answer on the link's goroutine. The frontend's session waits for it (its
// queue is paused), so the session's answers keep their order. Data
// changes the backend made come back with the answer and are applied to s
// first. With Options.Interceptors, the call goes through them and
// forwardClient returns once it is answered.
func (n *Node) forwardClient(ctx context.Context, s gamesrv.Session, typ, route string, payload []byte, notify bool, done serverhost.ForwardDone) {
	if n.intercepts() {
		n.forwardIntercepted(ctx, s, typ, route, payload, notify, done)
		return
	}
	n.forward(ctx, s, typ, route, notify, nil, payload, done)
}

// forwarding is a client request on its way to a backend, in one
// allocation: the call as sent (with its session snapshot) and what its
// answer needs. It is the link.Answerer of the call.
type forwarding struct {
	call   gamesrvv1.Call
	snap   gamesrvv1.SessionSnapshot
	s      gamesrv.Session
	typ    string
	peer   string
	notify bool
	done   serverhost.ForwardDone
}

// Answer applies the backend's data changes to the session and hands the
// answer to done; a backend that cannot be reached loses the session's
// pin (see unpin).
func (f *forwarding) Answer(r *gamesrvv1.Reply, err error) {
	if err != nil {
		f.done.ForwardDone(nil, unpin(f.s, f.typ, f.peer, f.notify, err))
		return
	}
	applyUpdate(f.s, r.GetUpdate())
	if err := link.ReplyError(r.GetError()); err != nil {
		f.done.ForwardDone(nil, err)
		return
	}
	f.done.ForwardDone(r.GetPayload(), nil)
}

// forward sends the client call on route (a notify or a request, with its
// metadata) and returns the id of the server chosen ("" when none was).
func (n *Node) forward(ctx context.Context, s gamesrv.Session, typ, route string, notify bool, md map[string]string, payload []byte, done serverhost.ForwardDone) (peer string) {
	m, err := n.forwardTarget(s, typ)
	if err != nil {
		done.ForwardDone(nil, err)
		return ""
	}
	l, err := n.linkTo(ctx, m)
	if err != nil {
		done.ForwardDone(nil, unpin(s, typ, m.ID, notify, err))
		return m.ID
	}
	f := n.newForwarding(s, m.ID, typ, route, notify, md, payload, done, n.forwarded.add(s.ID(), m.ID))
	l.CallAsync(ctx, &f.call, f)
	return m.ID
}

// tryForward is forwardClient for a caller that must not wait: the
// server's event loop, or the goroutine that delivered the answer a
// session's next request waited for. It sends the call only when that
// needs no waiting (no interceptor to run, a live link to the chosen
// server, a free slot and room on it) and reports whether it took the
// request: when it did not, nothing was sent, done will not be called,
// and the caller forwards from the session's worker. A request no server
// can take is answered at once, as forward does.
func (n *Node) tryForward(ctx context.Context, s gamesrv.Session, typ, route string, payload []byte, notify bool, done serverhost.ForwardDone) bool {
	if n.intercepts() {
		return false
	}
	m, err := n.forwardTarget(s, typ)
	if err != nil {
		done.ForwardDone(nil, err)
		return true
	}
	l := n.links.Live(target(m))
	if l == nil {
		return false // the worker dials
	}
	// Recorded before sending, as forward does: the answer, and the
	// session's close, may come before TryCallAsync returns.
	first := n.forwarded.add(s.ID(), m.ID)
	f := n.newForwarding(s, m.ID, typ, route, notify, nil, payload, done, first)
	if !l.TryCallAsync(ctx, &f.call, f) {
		if first {
			n.forwarded.remove(s.ID(), m.ID) // the worker's forward sends the address
		}
		return false
	}
	return true
}

// newForwarding builds the call of a client request to server peer, with
// the session's snapshot (its address too when first).
func (n *Node) newForwarding(s gamesrv.Session, peer, typ, route string, notify bool, md map[string]string, payload []byte, done serverhost.ForwardDone, first bool) *forwarding {
	f := &forwarding{s: s, typ: typ, peer: peer, notify: notify, done: done}
	fillSnapshot(&f.snap, s, first)
	f.call.Route, f.call.Payload, f.call.Session = route, payload, &f.snap
	f.call.Serializer, f.call.Notify, f.call.Metadata = n.serializer(), notify, md
	return f
}

// forwardTarget chooses the server for a session's request: the server
// the session is pinned to (gamesrv.ServerKey), or one chosen by the
// forward policy, sticky to the player by default. A pin to a server that
// is gone answers GS-503 and is cleared, so the next request finds a live
// server.
func (n *Node) forwardTarget(s gamesrv.Session, typ string) (Member, error) {
	pin := n.pinKey(typ)
	if id, ok := pin.Get(s); ok {
		if m, alive := n.ms.Member(id); alive && m.Type == typ {
			return m, nil
		}
		pin.Delete(s)
		return Member{}, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is gone", id)
	}
	candidates := n.ms.ByType(typ)
	if len(candidates) == 0 {
		return Member{}, gamesrv.Errorf(gamesrv.CodeUnavailable, "no server of type %q", typ)
	}
	candidates = n.reachable(candidates)
	p, ok := n.opts.ForwardPolicy[typ]
	if !ok || p == gamesrv.PolicyDefault {
		p = gamesrv.PolicySticky
	}
	if len(candidates) == 1 {
		return candidates[0], nil
	}
	return n.choose(p, typ, stickyKey(s), candidates), nil
}

// pinKey returns gamesrv.ServerKey(typ), built once per server type.
func (n *Node) pinKey(typ string) gamesrv.Key[string] {
	if k, ok := n.pins.Load(typ); ok {
		return k.(gamesrv.Key[string])
	}
	k, _ := n.pins.LoadOrStore(typ, gamesrv.ServerKey(typ))
	return k.(gamesrv.Key[string])
}

// unpin clears the session's pin to a server that could not be reached
// (its link failed or cannot be dialled), so that the session's next
// request goes to a live server, and returns err. Only a failed request
// clears it: its GS-503 tells the client to recover (join again), while a
// failed notify is never reported, and moving the player silently would
// lose it.
func unpin(s gamesrv.Session, typ, id string, notify bool, err error) error {
	if notify || gamesrv.CodeOf(err) != gamesrv.CodeUnavailable {
		return err
	}
	pin := gamesrv.ServerKey(typ)
	if v, ok := pin.Get(s); ok && v == id {
		pin.Delete(s)
	}
	return err
}

// stickyKey identifies the player behind a session: its uid, or its
// frontend and session id before it binds.
func stickyKey(s gamesrv.Session) string {
	if uid := s.UID(); uid != "" {
		return uid
	}
	return s.FrontendID() + "/" + strconv.FormatInt(s.ID(), 10)
}

// fillSnapshot describes s for the backend in snap. The frontend's id is
// the link's peer, so it is not sent; the remote address goes only with
// the first request a backend sees from the session (the backend keeps
// it).
func fillSnapshot(snap *gamesrvv1.SessionSnapshot, s gamesrv.Session, first bool) {
	snap.Id, snap.Uid = s.ID(), s.UID()
	if first {
		snap.RemoteAddr = s.RemoteAddr()
	}
	if d, ok := s.(interface{ Data() map[string]string }); ok {
		snap.Data = d.Data()
	}
}

// serializer names the client payloads' serializer for the backend; empty
// means protobuf, the default, and saves sending it each time.
func (n *Node) serializer() string {
	if name := n.host.Serializer().Name(); name != gamesrv.SerializerProtobuf {
		return name
	}
	return ""
}

// applyUpdate applies a backend's data changes to the frontend's session.
func applyUpdate(s gamesrv.Session, u *gamesrvv1.SessionUpdate) {
	for k, v := range u.GetSet() {
		s.Set(k, v)
	}
	for _, k := range u.GetDeleted() {
		s.Delete(k)
	}
}

// pushToSessions writes a push packet to sessions of a frontend
// (serverSide.PushToSessions): one "@push" message carries the encoded
// packet and the ids of its sessions on that frontend.
func (n *Node) pushToSessions(ctx context.Context, frontend string, ids []int64, packet []byte) error {
	if frontend == n.id {
		n.host.DeliverPacket(ids, nil, packet)
		return nil
	}
	return n.notifyMember(ctx, frontend, pushCall(&gamesrvv1.PushRequest{SessionIds: ids, Packet: packet}))
}

// pushToUIDs writes a push packet to uids on the other frontends
// (serverSide.PushToUIDs): every other frontend gets the packet and
// delivers it to the uids it holds.
func (n *Node) pushToUIDs(ctx context.Context, uids []string, packet []byte) error {
	var frontends []string
	for _, m := range n.ms.Members() {
		if m.Frontend && m.ID != n.id {
			frontends = append(frontends, m.ID)
		}
	}
	c := pushCall(&gamesrvv1.PushRequest{Uids: uids, Packet: packet})
	return fanout.Each(frontends, func(id string) error { return n.notifyMember(ctx, id, c) })
}

// sessionClosed tells the backends that served the session of its end
// (serverSide.SessionClosed), so its backend views run their close hooks and
// leave their groups. It calls them all at once and returns when they
// have answered (after running the hooks), or failed, or CallTimeout or
// ctx ran out. The server calls it on the session's worker, after the
// session's queued requests (so no forwarded request of the session can
// reach a backend after the notice) and its local hooks.
func (n *Node) sessionClosed(ctx context.Context, s gamesrv.Session) {
	backends := n.forwarded.take(s.ID())
	if len(backends) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.CallTimeout)
	defer cancel()
	c := sessionCall(routeClosed, &gamesrvv1.SessionRequest{SessionId: s.ID()})
	_ = fanout.Each(backends, func(id string) error {
		if err := n.callSystem(ctx, id, c); err != nil {
			n.log.Debug("cluster: session end not confirmed", "server", id, "session", s.ID(), "err", err)
		}
		return nil
	})
}

// callSystem sends a system call to server id and waits for its answer.
func (n *Node) callSystem(ctx context.Context, id string, c *gamesrvv1.Call) error {
	l, err := n.linkToID(ctx, id)
	if err != nil {
		return err
	}
	r, err := l.Call(ctx, cloneCall(c))
	if err != nil {
		return err
	}
	return link.ReplyError(r.GetError())
}

// notifyMember sends a call without waiting for an answer.
func (n *Node) notifyMember(ctx context.Context, id string, c *gamesrvv1.Call) error {
	l, err := n.linkToID(ctx, id)
	if err != nil {
		return err
	}
	return l.Notify(ctx, cloneCall(c))
}

// linkToID returns the link to server id, dialling it if needed; a server
// not in the cluster is GS-503.
func (n *Node) linkToID(ctx context.Context, id string) (*link.Link, error) {
	m, ok := n.ms.Member(id)
	if !ok {
		return nil, gamesrv.Errorf(gamesrv.CodeUnavailable, "server %s is not in the cluster", id)
	}
	return n.linkTo(ctx, m)
}

// forwardedIndex remembers, per frontend session, the backends that served
// it. Sessions do not share a lock: a session keeps forwarding to the same
// few backends, so the common case only reads its own list.
type forwardedIndex struct {
	m sync.Map // session id -> *backendList
}

type backendList struct {
	mu  sync.Mutex
	ids []string
}

// add records that backend served session and reports whether it is the
// first time.
func (f *forwardedIndex) add(session int64, backend string) bool {
	v, ok := f.m.Load(session)
	if !ok {
		v, _ = f.m.LoadOrStore(session, &backendList{})
	}
	bl := v.(*backendList)
	bl.mu.Lock()
	defer bl.mu.Unlock()
	if slices.Contains(bl.ids, backend) {
		return false
	}
	bl.ids = append(bl.ids, backend)
	return true
}

// remove forgets that backend served session (a forward that add
// recorded was not sent after all).
func (f *forwardedIndex) remove(session int64, backend string) {
	v, ok := f.m.Load(session)
	if !ok {
		return
	}
	bl := v.(*backendList)
	bl.mu.Lock()
	defer bl.mu.Unlock()
	bl.ids = slices.DeleteFunc(bl.ids, func(id string) bool { return id == backend })
}

func (f *forwardedIndex) take(session int64) []string {
	v, ok := f.m.LoadAndDelete(session)
	if !ok {
		return nil
	}
	bl := v.(*backendList)
	bl.mu.Lock()
	defer bl.mu.Unlock()
	return bl.ids
}
