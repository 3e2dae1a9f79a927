package gnetrun

import (
	"cmp"
	"net"

	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/internal/linger"
	"github.com/panjf2000/gnet/v2"
)

// Conn is the state every gnet connection (TCP, WebSocket) has, and what
// they do alike: Close and RemoteAddr (of transport.Conn), the end of a
// connection (Closed) and what follows a flush's writes (Flushed). The
// transport's connection embeds it and adds its framing. Fields are
// loop-only unless their comment says otherwise.
type Conn struct {
	GC         gnet.Conn
	Remote     net.Addr // gnet allocates it once per connection
	MaxPending int      // transport.Config.MaxPending
	Q          transport.Queue
	Peer       transport.Peer // nil while the handler has not accepted the connection
	Violation  error          // why the loop closed the connection, if the client broke the protocol
	Linger     *linger.Linger // set once the connection is closing
}

// Close implements [transport.Conn]: it closes the queue and wakes the
// loop, which sends what was queued, then closes.
func (c *Conn) Close() error {
	if c.Q.Close() {
		_ = c.GC.Wake(nil)
	}
	return nil
}

// RemoteAddr implements [transport.Conn].
func (c *Conn) RemoteAddr() net.Addr { return c.Remote }

// Closed is the end of the connection, from the handler's OnClose: the
// queue refuses writes, a linger stops, and the peer learns why (the
// protocol violation, if there was one; nothing when it was our close).
func (c *Conn) Closed(err error) {
	c.Q.Close()
	if c.Linger != nil {
		c.Linger.Stop()
		err = nil // we closed it: what ended the linger does not matter
	}
	if c.Peer != nil {
		c.Peer.OnDisconnect(cmp.Or(c.Violation, err))
	}
}

// Flushed decides what follows a flush's writes, on the loop. A closing
// connection closes at once when its queue overflowed (a slow consumer
// would not read the rest); otherwise it writes last (a close frame; nil:
// nothing), then lingers with cfg's bounds (see package linger). An open
// connection closes when the bytes gnet could not send yet exceed
// MaxPending (the peer does not read).
func (c *Conn) Flushed(gc gnet.Conn, closing bool, cfg *transport.Config, last []byte) gnet.Action {
	if closing {
		if c.Q.Overflowed() {
			return gnet.Close
		}
		if last != nil {
			if _, err := gc.Write(last); err != nil {
				return gnet.Close
			}
		}
		return c.StartLinger(gc, cfg)
	}
	if c.MaxPending > 0 && gc.OutboundBuffered() > c.MaxPending {
		return gnet.Close
	}
	return gnet.None
}

// StartLinger begins the close once the last bytes were written.
func (c *Conn) StartLinger(gc gnet.Conn, cfg *transport.Config) gnet.Action {
	var a gnet.Action
	c.Linger, a = linger.Start(gc, cfg)
	return a
}
