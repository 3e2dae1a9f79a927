package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// readLoop reads packets until the connection ends. The server must send
// something (at least a heartbeat) every heartbeat interval H; after a
// silence of more than 2.5H (wire.HeartbeatTimeout, the server's rule for
// clients) the client gives up on it.
func (c *Client) readLoop() {
	defer c.wg.Done()
	silence := wire.HeartbeatTimeout(c.heartbeat)
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(silence))
		t, body, err := readPacket(c.br, c.opts.MaxBodySize)
		if err != nil {
			c.fail(c.readError(err))
			return
		}
		if err := c.onPacket(t, body); err != nil {
			c.fail(err)
			return
		}
	}
}

func (c *Client) readError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrServerTimeout
	}
	return err
}

func (c *Client) onPacket(t wire.PacketType, body []byte) error {
	switch t {
	case wire.PacketHeartbeat:
		return nil
	case wire.PacketData:
		return c.onData(body)
	case wire.PacketKick:
		return kickError(body)
	}
	return fmt.Errorf("client: unexpected %s packet", t)
}

func kickError(body []byte) error {
	var k struct {
		Reason string `json:"reason"`
	}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &k)
	}
	return &KickError{Reason: k.Reason}
}

// onData delivers a response to its request or queues a push. body is a
// fresh slice, so payloads may be kept.
func (c *Client) onData(body []byte) error {
	m, err := wire.DecodeMessage(body)
	if err != nil {
		return err
	}
	if m.Zlib {
		// A fresh buffer (nil): payloads are kept by requests and pushes.
		if m.Payload, err = c.zr.Inflate(nil, m.Payload, c.opts.MaxBodySize); err != nil {
			return fmt.Errorf("client: compressed payload: %w", err)
		}
	}
	switch m.Type {
	case wire.MessageResponse:
		c.deliver(m.ID, reply{payload: m.Payload, isError: m.Error})
		return nil
	case wire.MessagePush:
		return c.queuePush(&m)
	}
	return fmt.Errorf("client: server sent a %s message", m.Type)
}

func (c *Client) deliver(id uint32, r reply) {
	c.mu.Lock()
	ch, ok := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if ok {
		ch <- r // buffered: never blocks
	}
}

// queuePush hands a push to the dispatcher. Until a push handler is
// registered the dispatcher holds pushes: when the queue is full then, the
// oldest held push makes room. Once handlers exist a full queue makes the
// reader wait.
func (c *Client) queuePush(m *wire.Message) error {
	route := string(m.Route)
	if m.Compressed {
		var ok bool
		if route, ok = c.routes[m.Code]; !ok {
			return fmt.Errorf("client: push with unknown route code %d", m.Code)
		}
	}
	p := push{route: route, payload: m.Payload}
	for {
		select {
		case c.pushes <- p:
			return nil
		case <-c.done:
			return nil
		case <-c.armed:
			select {
			case c.pushes <- p:
			case <-c.done:
			}
			return nil
		default:
			select {
			case old := <-c.pushes:
				c.log.Warn("push dropped: no push handler registered and the push queue is full", "route", old.route)
			default:
			}
		}
	}
}

func (c *Client) heartbeatLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.heartbeat)
	defer t.Stop()
	hb := wire.HeartbeatPacket()
	for {
		select {
		case <-t.C:
			if c.write(hb) != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}

// dispatchPushes runs push handlers one at a time, in arrival order, from
// the moment the first handler is registered.
func (c *Client) dispatchPushes() {
	defer c.wg.Done()
	select {
	case <-c.armed:
	case <-c.done:
		return
	}
	for {
		select {
		case p := <-c.pushes:
			c.handlePush(p)
		case <-c.done:
			return
		}
	}
}

func (c *Client) handlePush(p push) {
	c.mu.Lock()
	h, ok := c.handlers[p.route]
	raw := c.raw
	c.mu.Unlock()
	switch {
	case ok:
		c.callPushHandler(h, p)
	case raw != nil:
		raw(p.route, p.payload)
	default:
		c.log.Debug("push without handler", "route", p.route)
	}
}

func (c *Client) callPushHandler(h pushHandler, p push) {
	msg := h.route.NewRequest()
	if err := c.ser.Unmarshal(p.payload, msg); err != nil {
		c.log.Warn("push does not unmarshal", "route", p.route, "err", err)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("push handler panicked", "route", p.route, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	h.route.HandlePush(context.Background(), h.handler, msg)
}

// RegisterPushHandler implements gamesrv.PushRegistrar: generated
// RegisterXxxPushHandler functions call it, before or after Connect.
//
// A push route has one handler: if a push route of desc already has one
// (another service with the same route, as two .proto files generated
// separately can declare, or desc registered twice), RegisterPushHandler
// returns an error naming the route and both services, and registers
// nothing of desc.
func (c *Client) RegisterPushHandler(desc *gamesrv.ServiceDesc, handler any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var routes []*gamesrv.Route
	for i := range desc.Routes {
		r := &desc.Routes[i]
		if r.Kind != gamesrv.KindPush || r.HandlePush == nil {
			continue
		}
		if prev, ok := c.handlers[r.Name]; ok {
			return fmt.Errorf("gamesrv: push route %q registered twice (%s and %s)", r.Name, prev.service, desc.Name)
		}
		for _, added := range routes {
			if added.Name == r.Name {
				return fmt.Errorf("gamesrv: push route %q registered twice (%s and %s)", r.Name, desc.Name, desc.Name)
			}
		}
		routes = append(routes, r)
	}
	for _, r := range routes {
		c.handlers[r.Name] = pushHandler{route: r, service: desc.Name, handler: handler}
	}
	c.arm()
	return nil
}

// arm starts the delivery of pushes: a handler is registered.
func (c *Client) arm() { c.armedOnce.Do(func() { close(c.armed) }) }

// HandleRawPush sets the handler of the pushes whose route has no
// registered push handler (nil removes it); it receives the route and the
// serialized payload. It is the one way to set it: call it between [New]
// and [Client.Connect] to receive every push from the first one on, or
// after [Dial] (pushes that arrived before any handler was registered are
// held for it, up to Options.PushQueue). A handler that needs the
// connected client (its serializer, a schema it fetched) can be set once
// the client is connected, which an Options field could not express.
func (c *Client) HandleRawPush(f func(route string, payload []byte)) {
	c.mu.Lock()
	c.raw = f
	c.mu.Unlock()
	if f != nil {
		c.arm()
	}
}
