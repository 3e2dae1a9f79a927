package tcp

import (
	"fmt"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/panjf2000/gnet/v2"
)

// engine is the gnet event handler. Its callbacks run on the event loops
// and never block.
type engine struct {
	gnet.BuiltinEventEngine
	l *Listener
}

func (e *engine) OnBoot(eng gnet.Engine) gnet.Action { return e.l.base.OnBoot(eng) }

func (e *engine) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	cfg := &e.l.base.Cfg
	tc := &conn{Conn: gnetrun.Conn{GC: c, Remote: c.RemoteAddr(), MaxPending: cfg.MaxPending}, fd: c.Fd(), cfg: cfg}
	c.SetContext(tc)
	tc.Peer = cfg.Handler.Open(tc)
	if tc.Peer == nil { // refused: send what the handler wrote (a kick), then close
		tc.Q.Close()
		_ = c.Wake(nil)
	}
	return nil, gnet.None
}

func (e *engine) OnClose(c gnet.Conn, err error) gnet.Action {
	tc, ok := c.Context().(*conn)
	if !ok {
		return gnet.None
	}
	tc.Closed(err)
	return gnet.None
}

// OnTraffic flushes the connection's outbound queue (writers wake the loop
// for that), then hands every complete inbound packet to the peer. Frames
// left in the buffer would not be delivered again until more bytes arrive,
// so the loop drains all of them. A closing connection only discards.
func (e *engine) OnTraffic(c gnet.Conn) gnet.Action {
	tc := c.Context().(*conn)
	if tc.Linger != nil {
		return tc.Linger.OnTraffic()
	}
	if a := tc.flush(c); a != gnet.None || tc.Linger != nil {
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
		if n > e.l.base.Cfg.MaxBody {
			return tc.breach(fmt.Errorf("%w: declared %d bytes, limit %d", wire.ErrBodyTooLarge, n, e.l.base.Cfg.MaxBody))
		}
		if c.InboundBuffered() < wire.HeaderLen+n {
			return gnet.None // partial packet: gnet keeps it
		}
		frame, err := c.Peek(wire.HeaderLen + n)
		if err != nil {
			return gnet.Close
		}
		if err := tc.Peer.OnPacket(t, frame[wire.HeaderLen:]); err != nil {
			return tc.breach(err)
		}
		if _, err := c.Discard(wire.HeaderLen + n); err != nil {
			return gnet.Close
		}
		if tc.Q.Closing() { // the peer closed the connection from OnPacket
			return tc.flush(c)
		}
	}
}

// breach closes a connection whose client broke the protocol, after what
// was queued for it (the answers to its earlier packets); OnClose reports
// err to the peer.
func (c *conn) breach(err error) gnet.Action {
	c.Violation = &transport.ProtocolError{Err: err}
	c.Q.Close()
	return c.flush(c.GC)
}
