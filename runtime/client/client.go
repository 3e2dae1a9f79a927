package client

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// Errors reported by a closed client.
var (
	// ErrClosed: Close was called.
	ErrClosed = errors.New("client: closed")
	// ErrServerTimeout: the server sent nothing for more than 2.5
	// heartbeat intervals (wire.HeartbeatTimeout).
	ErrServerTimeout = errors.New("client: server stopped responding")
	// ErrNotConnected: a request or notify before Connect succeeded.
	ErrNotConnected = errors.New("client: not connected")
)

// KickError is the reason a client ended: the server kicked it.
type KickError struct {
	// Reason is the reason the server gave, if any.
	Reason string
}

// Error implements error: "client: kicked by the server", followed by the
// reason when the server gave one.
func (e *KickError) Error() string {
	if e.Reason == "" {
		return "client: kicked by the server"
	}
	return "client: kicked by the server: " + e.Reason
}

// Client is a connection to a gamesrv (or any Pomelo/Pitaya) server. It is
// safe for concurrent use.
type Client struct {
	addr, scheme, hostport string
	opts                   Options
	log                    *slog.Logger
	connecting             atomic.Bool // Connect was called
	connected              atomic.Bool // the handshake is done: ser, dict, routes and heartbeat are set

	conn net.Conn      // set by Connect, under mu
	br   *bufio.Reader // reads conn; only the handshake, then the reader
	zr   wire.Inflater // inflates zlib payloads; the reader's only

	ser       gamesrv.Serializer
	dict      map[string]uint16
	routes    map[uint16]string // dictionary codes of push routes
	heartbeat time.Duration

	wlock  chan struct{} // the write lock (one token): a writer waiting for it gives up when its ctx ends
	wbuf   []byte        // packet buffer, reused under wlock
	nextID atomic.Uint32
	chans  sync.Pool // reply channels, reused once drained

	mu       sync.Mutex
	pending  map[uint32]chan reply
	handlers map[string]pushHandler
	raw      func(route string, payload []byte)
	err      error // why the client ended

	pushes    chan push
	armed     chan struct{} // closed once a push handler is registered
	armedOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

var (
	_ gamesrv.ClientConn    = (*Client)(nil)
	_ gamesrv.PushRegistrar = (*Client)(nil)
)

// reply is what a request waits for.
type reply struct {
	payload []byte
	isError bool
}

// push is a received push waiting for its handler.
type push struct {
	route   string
	payload []byte
}

type pushHandler struct {
	route   *gamesrv.Route
	service string // the name of the ServiceDesc route is in
	handler any
}

func newClient(addr, scheme, hostport string, opts Options) *Client {
	c := &Client{
		addr:     addr,
		scheme:   scheme,
		hostport: hostport,
		opts:     opts,
		log:      opts.Logger,
		pending:  map[uint32]chan reply{},
		handlers: map[string]pushHandler{},
		pushes:   make(chan push, opts.PushQueue),
		armed:    make(chan struct{}),
		done:     make(chan struct{}),
		wlock:    make(chan struct{}, 1),
	}
	return c
}

// applyHandshake adopts the server's settings.
func (c *Client) applyHandshake(resp *wire.HandshakeResponse) error {
	ser, err := gamesrv.SerializerByName(resp.Sys.Serializer)
	if err != nil {
		return err
	}
	c.ser = ser
	c.heartbeat = time.Duration(resp.Sys.Heartbeat) * time.Second
	c.dict = resp.Sys.Dict
	c.routes = make(map[uint16]string, len(c.dict))
	for route, code := range c.dict {
		c.routes[code] = route
	}
	return nil
}

func (c *Client) start() {
	c.connected.Store(true)
	c.wg.Add(3)
	go c.readLoop()
	go c.heartbeatLoop()
	go c.dispatchPushes()
}

// Serializer returns the serializer the server announced (nil before
// Connect).
func (c *Client) Serializer() gamesrv.Serializer { return c.ser }

// Dict returns the server's route dictionary. The caller must not modify it.
func (c *Client) Dict() map[string]uint16 { return c.dict }

// Heartbeat returns the heartbeat interval the server announced.
func (c *Client) Heartbeat() time.Duration { return c.heartbeat }

// Done is closed when the client has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the client ended ([ErrClosed], [*KickError],
// [ErrServerTimeout], a network error), or nil while it runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection and waits for the client's goroutines.
// Pending requests fail with [ErrClosed]. A client that is not connected
// yet can be closed too; a Connect under way then fails.
func (c *Client) Close() error {
	c.fail(ErrClosed)
	c.wg.Wait()
	return nil
}

// fail ends the client once with err, releasing every pending request.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	pending := c.pending
	c.pending = nil
	conn := c.conn
	c.mu.Unlock()
	close(c.done)
	if conn != nil {
		_ = conn.Close()
	}
	for _, ch := range pending {
		close(ch)
	}
}

// Request implements gamesrv.ClientConn: it sends req on route and
// unmarshals the response into resp. An error response is returned as a
// [*gamesrv.Error].
func (c *Client) Request(ctx context.Context, route string, req, resp proto.Message) error {
	if !c.connected.Load() {
		return c.notConnected()
	}
	payload, err := c.ser.AppendMarshal(nil, req)
	if err != nil {
		return fmt.Errorf("client: marshal %s request: %w", route, err)
	}
	out, err := c.RequestRaw(ctx, route, payload)
	if err != nil {
		return err
	}
	if err := c.ser.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("client: unmarshal %s response: %w", route, err)
	}
	return nil
}

// RequestRaw sends an already serialized request and returns the raw
// response payload.
func (c *Client) RequestRaw(ctx context.Context, route string, payload []byte) ([]byte, error) {
	if !c.connected.Load() {
		return nil, c.notConnected()
	}
	id, ch, err := c.register()
	if err != nil {
		return nil, err
	}
	if err := c.send(ctx, &wire.Header{Type: wire.MessageRequest, ID: id, Route: route}, payload); err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, c.Err()
		}
		c.chans.Put(ch) // drained: safe to reuse
		return c.result(r)
	case <-ctx.Done():
		c.forget(id) // the reader may still send on ch: never reuse it
		return nil, ctx.Err()
	}
}

// notConnected is the error of a call before the handshake: why the client
// ended, if it did, else ErrNotConnected.
func (c *Client) notConnected() error {
	if err := c.Err(); err != nil {
		return err
	}
	return ErrNotConnected
}

func (c *Client) result(r reply) ([]byte, error) {
	if !r.isError {
		return r.payload, nil
	}
	e, err := gamesrv.DecodeErrorPayload(c.ser, r.payload)
	if err != nil {
		return nil, fmt.Errorf("client: undecodable error response: %w", err)
	}
	return nil, e
}

// register allocates a request ID and its reply channel.
func (c *Client) register() (uint32, chan reply, error) {
	id := c.nextID.Add(1)
	if id == 0 {
		id = c.nextID.Add(1) // IDs start at 1; 0 is invalid after a wrap
	}
	ch, _ := c.chans.Get().(chan reply)
	if ch == nil {
		ch = make(chan reply, 1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		return 0, nil, c.err
	}
	c.pending[id] = ch
	return id, ch, nil
}

func (c *Client) forget(id uint32) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Notify implements gamesrv.ClientConn: it sends req on route without
// waiting for an answer. ctx bounds the send (see [Client.NotifyRaw]).
func (c *Client) Notify(ctx context.Context, route string, req proto.Message) error {
	if !c.connected.Load() {
		return c.notConnected()
	}
	payload, err := c.ser.AppendMarshal(nil, req)
	if err != nil {
		return fmt.Errorf("client: marshal %s notify: %w", route, err)
	}
	return c.NotifyRaw(ctx, route, payload)
}

// NotifyRaw sends an already serialized notify. ctx bounds the send: a
// notify whose ctx has ended is not sent, and one waiting behind other
// writes, or blocked writing because the server does not read (a full
// socket buffer, a full KCP window), gives up when ctx is cancelled or
// its deadline passes, and returns ctx's error. Nothing of it was sent
// then and the client stays connected, unless the packet was partly
// written: the stream cannot be resumed mid-packet, so the client ends
// ([Client.Err] says why). Options.WriteTimeout bounds every write as
// well.
func (c *Client) NotifyRaw(ctx context.Context, route string, payload []byte) error {
	if !c.connected.Load() {
		return c.notConnected()
	}
	return c.send(ctx, &wire.Header{Type: wire.MessageNotify, Route: route}, payload)
}

// send writes one message, with its route compressed when the dictionary
// has it. The packet is built in the client's reused buffer.
func (c *Client) send(ctx context.Context, h *wire.Header, payload []byte) error {
	if code, ok := c.dict[h.Route]; ok && !c.opts.DisableRouteCompression {
		h.Code, h.Compressed = code, true
	}
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	pkt, err := wire.AppendDataPacket(c.wbuf[:0], h, payload)
	if err != nil {
		return err
	}
	if cap(pkt) <= 64<<10 {
		c.wbuf = pkt
	}
	return c.writeLocked(ctx, pkt)
}

// write writes a packet (a heartbeat) bounded by Options.WriteTimeout only.
func (c *Client) write(pkt []byte) error {
	ctx := context.Background()
	if err := c.lockWrite(ctx); err != nil {
		return err
	}
	defer c.unlockWrite()
	return c.writeLocked(ctx, pkt)
}

// lockWrite takes the write lock, unless ctx ends or the client closes
// first.
func (c *Client) lockWrite(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case c.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.Err()
	}
}

func (c *Client) unlockWrite() { <-c.wlock }

// writeLocked writes a packet; the write lock is held. Its deadline is
// Options.WriteTimeout, or ctx's deadline when earlier, and ctx's
// cancellation interrupts it (by moving the deadline). A write that fails
// having written nothing because ctx ended returns ctx's error and leaves
// the client connected; any other failure ends the client.
func (c *Client) writeLocked(ctx context.Context, pkt []byte) error {
	select {
	case <-c.done:
		return c.Err()
	default:
	}
	deadline := time.Now().Add(c.opts.WriteTimeout)
	byCtx := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, byCtx = d, true
	}
	_ = c.conn.SetWriteDeadline(deadline)
	var stop func()
	if ctx.Done() != nil {
		stop = c.interruptWriteOn(ctx)
	}
	n, err := c.conn.Write(pkt)
	if stop != nil {
		stop()
	}
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil || byCtx && errors.Is(err, os.ErrDeadlineExceeded) {
		cerr = cmp.Or(cerr, context.DeadlineExceeded)
		if n == 0 {
			return cerr // nothing sent: the stream is intact
		}
		err = fmt.Errorf("client: write interrupted after %d of %d bytes: %w", n, len(pkt), cerr)
	}
	c.fail(err)
	return err
}

// interruptWriteOn makes a write in progress fail at once when ctx is
// cancelled, by moving the connection's write deadline to the past. The
// returned stop must be called, with the write lock still held, when the
// write returns: after it the connection's deadline is left alone (the
// next writer sets its own).
func (c *Client) interruptWriteOn(ctx context.Context) (stop func()) {
	var mu sync.Mutex
	active := true
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if active {
			_ = c.conn.SetWriteDeadline(time.Unix(1, 0))
		}
	})
	return func() {
		if !stopAfter() {
			mu.Lock()
			active = false
			mu.Unlock()
		}
	}
}
