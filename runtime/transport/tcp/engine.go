package tcp

import (
	"cmp"
	"fmt"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/panjf2000/gnet/v2"
)

// engine is the gnet event handler. Its callbacks run on the event loops
// and never block.
type engine struct {
	gnet.BuiltinEventEngine
	l *Listener
}

func (e *engine) OnBoot(eng gnet.Engine) gnet.Action {
	e.l.engine.Booted(eng)
	return gnet.None
}

func (e *engine) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	tc := &conn{gc: c, fd: c.Fd(), cfg: &e.l.cfg, maxPending: e.l.cfg.MaxPending, remote: c.RemoteAddr()}
	c.SetContext(tc)
	tc.peer = e.l.cfg.Handler.Open(tc)
	if tc.peer == nil { // refused: send what the handler wrote (a kick), then close
		tc.q.Close()
		_ = c.Wake(nil)
	}
	return nil, gnet.None
}

func (e *engine) OnClose(c gnet.Conn, err error) gnet.Action {
	tc, ok := c.Context().(*conn)
	if !ok {
		return gnet.None
	}
	tc.q.Close()
	if tc.linger != nil {
		tc.linger.Stop()
		err = nil // we closed it: what ended the linger does not matter
	}
	if tc.peer != nil {
		tc.peer.OnDisconnect(cmp.Or(tc.violation, err))
	}
	return gnet.None
}

// OnTraffic flushes the connection's outbound queue (writers wake the loop
// for that), then hands every complete inbound packet to the peer. Frames
// left in the buffer would not be delivered again until more bytes arrive,
// so the loop drains all of them. A closing connection only discards.
func (e *engine) OnTraffic(c gnet.Conn) gnet.Action {
	tc := c.Context().(*conn)
	if tc.linger != nil {
		return tc.linger.OnTraffic()
	}
	if a := tc.flush(c); a != gnet.None || tc.linger != nil {
		return a
	}
	for {
		hdr, err := c.Peek(wire.HeaderLen)
		if err != nil {
			return gnet.None // wait for a whole header
		}
		t, n, err := wire.ParseHeader(hdr)
		if err != nil {
			return tc.breach(err)
		}
		if n > e.l.cfg.MaxBody {
			return tc.breach(fmt.Errorf("%w: declared %d bytes, limit %d", wire.ErrBodyTooLarge, n, e.l.cfg.MaxBody))
		}
		if c.InboundBuffered() < wire.HeaderLen+n {
			return gnet.None // partial packet: gnet keeps it
		}
		frame, err := c.Peek(wire.HeaderLen + n)
		if err != nil {
			return gnet.Close
		}
		if err := tc.peer.OnPacket(t, frame[wire.HeaderLen:]); err != nil {
			return tc.breach(err)
		}
		if _, err := c.Discard(wire.HeaderLen + n); err != nil {
			return gnet.Close
		}
		if tc.q.Closing() { // the peer closed the connection from OnPacket
			return tc.flush(c)
		}
	}
}

// breach closes a connection whose client broke the protocol, after what
// was queued for it (the answers to its earlier packets); OnClose reports
// err to the peer.
func (c *conn) breach(err error) gnet.Action {
	c.violation = &transport.ProtocolError{Err: err}
	c.q.Close()
	return c.flush(c.gc)
}
