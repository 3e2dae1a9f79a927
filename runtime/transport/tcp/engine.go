package tcp

import (
	"bytes"
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
	tc := &conn{gc: c, fd: c.Fd(), maxPending: e.l.cfg.MaxPending, remote: c.RemoteAddr()}
	peer := e.l.cfg.Handler.Open(tc)
	if peer == nil { // refused: send what the handler wrote (a kick), then close
		bufs, _ := tc.q.Take()
		return bytes.Join(bufs, nil), gnet.Close
	}
	tc.peer = peer
	c.SetContext(tc)
	return nil, gnet.None
}

func (e *engine) OnClose(c gnet.Conn, err error) gnet.Action {
	if tc, ok := c.Context().(*conn); ok {
		tc.q.Close()
		tc.peer.OnDisconnect(cmp.Or(tc.violation, err))
	}
	return gnet.None
}

// OnTraffic flushes the connection's outbound queue (writers wake the loop
// for that), then hands every complete inbound packet to the peer. Frames
// left in the buffer would not be delivered again until more bytes arrive,
// so the loop drains all of them.
func (e *engine) OnTraffic(c gnet.Conn) gnet.Action {
	tc := c.Context().(*conn)
	if a := tc.flush(c); a != gnet.None {
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
	}
}

// breach closes a connection whose client broke the protocol; OnClose
// reports err to the peer.
func (c *conn) breach(err error) gnet.Action {
	c.violation = &transport.ProtocolError{Err: err}
	return gnet.Close
}
