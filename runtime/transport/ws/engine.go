package ws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport/internal/gnetrun"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
	"github.com/panjf2000/gnet/v2"
)

// engine is the gnet event handler. Its callbacks run on the event loops
// and never block.
type engine struct {
	gnet.BuiltinEventEngine
	l *Listener
}

func (e *engine) OnBoot(eng gnet.Engine) gnet.Action { return e.l.base.OnBoot(eng) }

// OnOpen accepts the TCP connection; the session layer sees it only once
// the upgrade succeeded.
func (e *engine) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	c := &conn{l: e.l, Conn: gnetrun.Conn{GC: gc, Remote: gc.RemoteAddr(), MaxPending: e.l.base.Cfg.MaxPending}}
	gc.SetContext(c)
	c.timer = time.AfterFunc(e.l.opts.UpgradeTimeout, c.upgradeExpired)
	return nil, gnet.None
}

func (e *engine) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	c.timer.Stop()
	c.frag = nil
	c.Closed(err)
	return gnet.None
}

// OnTraffic upgrades the connection once its HTTP request is complete,
// then flushes the outbound queue (writers wake the loop for that) and
// handles every complete inbound frame. A closing connection only
// discards.
func (e *engine) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*conn)
	if c.Linger != nil {
		return c.Linger.OnTraffic()
	}
	if c.Peer == nil {
		if a := c.upgrade(gc); a != gnet.None || c.Peer == nil || c.Linger != nil {
			return a
		}
	}
	if a := c.flush(gc); a != gnet.None || c.Linger != nil {
		return a
	}
	return c.readFrames(gc)
}

const endOfHeader = "\r\n\r\n"

var (
	errUnmasked     = errors.New("ws: client frame is not masked")
	errNotOnePacket = errors.New("ws: binary message is not one whole packet")
)

// upgrade answers the HTTP upgrade request once all of its header has
// arrived, however many reads it took. gobwas's Upgrader reads exactly the
// header bytes and writes its 101 (or error) response to gnet's conn.
func (c *conn) upgrade(gc gnet.Conn) gnet.Action {
	if c.upgraded.Load() {
		return gnet.Close // upgraded, but the handler refused the connection
	}
	buf, _ := gc.Peek(-1)
	limit := c.l.opts.MaxHandshake
	end := bytes.Index(buf, []byte(endOfHeader))
	if end < 0 {
		if len(buf) >= limit {
			return gnet.Close
		}
		if hook := c.l.onPartialHeader; hook != nil {
			hook(len(buf))
		}
		return gnet.None // wait for the rest of the header
	}
	n := end + len(endOfHeader)
	if n > limit {
		return gnet.Close
	}
	if _, err := c.l.upgrader().Upgrade(readWriter{bytes.NewReader(buf[:n]), gc}); err != nil {
		if log := c.l.base.Cfg.Logger; log != nil {
			log.Debug("websocket upgrade refused", "remote", c.Remote, "err", err)
		}
		c.timer.Stop()
		return c.startLinger(gc) // the client reads the error response
	}
	if _, err := gc.Discard(n); err != nil {
		return gnet.Close
	}
	c.upgraded.Store(true)
	c.timer.Stop()
	peer := c.l.base.Cfg.Handler.Open(c)
	if peer == nil {
		c.Q.Close()
		return c.flush(gc) // what the handler queued (a kick), then close
	}
	c.Peer = peer
	return gnet.None
}

// readWriter gives the Upgrader the buffered request and the connection.
type readWriter struct {
	io.Reader
	io.Writer
}

// upgrader returns the Upgrader with the listener's path and origin checks.
func (l *Listener) upgrader() ws.Upgrader {
	var u ws.Upgrader
	if path := l.opts.Path; path != "" {
		u.OnRequest = func(uri []byte) error {
			if i := bytes.IndexByte(uri, '?'); i >= 0 {
				uri = uri[:i]
			}
			if string(uri) != path {
				return ws.RejectConnectionError(ws.RejectionStatus(http.StatusNotFound))
			}
			return nil
		}
	}
	if check := l.opts.CheckOrigin; check != nil {
		seen := false
		origin := func(v []byte) error {
			if !check(string(v)) {
				return ws.RejectConnectionError(ws.RejectionStatus(http.StatusForbidden),
					ws.RejectionReason("origin not allowed"))
			}
			return nil
		}
		u.OnHeader = func(key, value []byte) error {
			if string(key) != "Origin" {
				return nil
			}
			seen = true
			return origin(value)
		}
		u.OnBeforeUpgrade = func() (ws.HandshakeHeader, error) {
			if seen {
				return nil, nil
			}
			return nil, origin(nil)
		}
	}
	return u
}

// readFrames handles every complete frame in the inbound buffer. Frames
// left there would not be delivered again until more bytes arrive, so the
// loop drains all of them.
func (c *conn) readFrames(gc gnet.Conn) gnet.Action {
	for {
		b, err := gc.Peek(2)
		if err != nil {
			return gnet.None // wait for a header
		}
		if b[1]&0x80 == 0 {
			return c.breach(gc, ws.StatusProtocolError, errUnmasked)
		}
		hl := headerLen(b[1])
		if b, err = gc.Peek(hl); err != nil {
			return gnet.None
		}
		h, err := parseHeader(b)
		if err != nil {
			return c.breach(gc, ws.StatusProtocolError, err)
		}
		if code := c.check(&h); code != 0 { // before waiting for the payload
			return c.breach(gc, code, fmt.Errorf("ws: frame with opcode %d refused with status %d", h.op, code))
		}
		total := hl + int(h.length)
		if gc.InboundBuffered() < total {
			return gnet.None // partial frame: gnet keeps it
		}
		frame, err := gc.Peek(total)
		if err != nil {
			return gnet.Close
		}
		payload := frame[hl:]
		ws.Cipher(payload, h.mask, 0) // in place: discarded right after
		if a := c.onFrame(gc, &h, payload); a != gnet.None || c.Linger != nil {
			return a
		}
		if _, err := gc.Discard(total); err != nil {
			return gnet.Close
		}
		if c.Q.Closing() { // the peer closed the connection from OnPacket
			return c.flush(gc)
		}
	}
}

// check validates a frame header before its payload is buffered and
// returns the close code of a violation, or 0.
func (c *conn) check(h *frameHeader) ws.StatusCode {
	switch {
	case h.rsv != 0: // no extension is negotiated
		return ws.StatusProtocolError
	case h.op.IsControl():
		if !h.fin || h.length > 125 || h.op.IsReserved() {
			return ws.StatusProtocolError
		}
	case h.op == ws.OpText:
		return ws.StatusUnsupportedData // Pomelo clients send binary
	case h.op == ws.OpBinary:
		if c.fragging {
			return ws.StatusProtocolError // a new message inside a fragmented one
		}
	case h.op == ws.OpContinuation:
		if !c.fragging {
			return ws.StatusProtocolError
		}
	default:
		return ws.StatusProtocolError // reserved data opcode
	}
	if !h.op.IsControl() && int64(len(c.frag))+h.length > int64(c.maxMessage()) {
		return ws.StatusMessageTooBig
	}
	return 0
}

// maxMessage is the largest message: one packet with the largest body.
func (c *conn) maxMessage() int {
	if m := c.l.base.Cfg.MaxBody; m > 0 && m < wire.MaxBodyLen {
		return wire.HeaderLen + m
	}
	return wire.HeaderLen + wire.MaxBodyLen
}

// onFrame handles one unmasked frame; payload is valid during the call.
func (c *conn) onFrame(gc gnet.Conn, h *frameHeader, payload []byte) gnet.Action {
	switch h.op {
	case ws.OpPing:
		var hdr [maxServerHeader]byte
		_, err := gc.Writev([][]byte{appendHeader(hdr[:0], ws.OpPong, len(payload)), payload})
		if err != nil {
			return gnet.Close
		}
		return gnet.None
	case ws.OpPong:
		return gnet.None
	case ws.OpClose:
		return c.closeWith(gc, echoCode(payload))
	}
	if !h.fin || c.fragging { // copy fragments only
		c.frag = append(c.frag, payload...)
		c.fragging = !h.fin
		if c.fragging {
			return gnet.None
		}
		payload, c.frag = c.frag, nil // dropped after the call: fragmenting is rare
	}
	return c.onMessage(gc, payload)
}

// onMessage hands the packet a binary message holds to the session layer.
// The message must hold exactly one whole packet.
func (c *conn) onMessage(gc gnet.Conn, msg []byte) gnet.Action {
	t, body, n, err := wire.SplitPacket(msg, c.l.base.Cfg.MaxBody)
	if err != nil {
		return c.breach(gc, ws.StatusProtocolError, err)
	}
	if n == 0 || n != len(msg) { // n == 0: no whole packet
		return c.breach(gc, ws.StatusProtocolError, fmt.Errorf("%w (%d bytes)", errNotOnePacket, len(msg)))
	}
	if err := c.Peer.OnPacket(t, body); err != nil {
		return c.breach(gc, ws.StatusPolicyViolation, err)
	}
	return gnet.None
}

// echoCode is the status code of the close frame answering a peer's close
// frame: the peer's own code when it sent a valid one (RFC 6455 §5.5.1).
func echoCode(payload []byte) ws.StatusCode {
	switch {
	case len(payload) == 0:
		return ws.StatusNormalClosure
	case len(payload) == 1:
		return ws.StatusProtocolError
	}
	code := ws.StatusCode(payload[0])<<8 | ws.StatusCode(payload[1])
	if code < 1000 || code.IsNotUsed() || code.IsProtocolReserved() {
		return ws.StatusProtocolError
	}
	return code
}
