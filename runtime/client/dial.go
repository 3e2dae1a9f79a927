package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/kcpcore"
	"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// ErrHandshakeRefused is returned by Dial when the server answers the
// handshake with a code other than 200.
var ErrHandshakeRefused = errors.New("client: handshake refused")

// Dial connects to addr ("tcp://host:port", "kcp://host:port",
// "ws://host:port/path", "tls://host:port", or "host:port" for TCP),
// performs the handshake and returns a ready client. It is [New] followed
// by [Client.Connect]. Pushes that arrive before the first push handler is
// registered are held for it (see [Client.Connect]); use New and Connect to
// register handlers before anything arrives.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	c, err := New(addr, opts)
	if err != nil {
		return nil, err
	}
	if err := c.Connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// New returns a client for addr (as [Dial] takes it) that is not connected
// yet. Register its push handlers (the generated RegisterXxxPushHandler
// functions, [Client.HandleRawPush]), then call [Client.Connect]: a push the
// server sends right after the handshake then finds its handler. New
// checks the address and the options; it does no I/O.
func New(addr string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	scheme, hostport, err := splitAddr(addr)
	if err != nil {
		return nil, err
	}
	if scheme == "kcp" {
		if opts.DialContext != nil {
			return nil, errors.New("client: Options.DialContext does not apply to kcp:// addresses")
		}
		if _, err := kcpconf.BlockCrypt(opts.KCP.Key); err != nil {
			return nil, err
		}
	}
	return newClient(addr, scheme, hostport, opts), nil
}

// Connect dials the server, performs the handshake and starts the client's
// goroutines; it bounds all of it by ctx and Options.DialTimeout. A client
// connects once: a second call, or a call after Close, fails. When Connect
// fails the client is closed ([Client.Err] says why).
//
// Pushes are delivered to their handlers once at least one handler is
// registered (a push handler or [Client.HandleRawPush]); until then they are held, up to Options.PushQueue
// (beyond it the oldest held push is dropped and logged), so that handlers
// registered just after Connect returns still receive every push the
// server sent on connect.
func (c *Client) Connect(ctx context.Context) error {
	if !c.connecting.CompareAndSwap(false, true) {
		return errors.New("client: Connect called twice")
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	nc, err := dialConn(ctx, c.scheme, c.hostport, c.addr, &c.opts)
	if err != nil {
		c.fail(err)
		return err
	}
	if err := c.attach(nc); err != nil {
		return err
	}
	if err := c.handshake(ctx); err != nil {
		c.fail(err)
		return err
	}
	c.start()
	return nil
}

// attach gives the client its connection, unless Close came first.
func (c *Client) attach(nc net.Conn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		_ = nc.Close()
		return c.err
	}
	c.conn = nc
	c.br = bufio.NewReaderSize(nc, 16<<10)
	return nil
}

// splitAddr returns the scheme and host:port of a client address.
func splitAddr(addr string) (scheme, hostport string, err error) {
	scheme, hostport, found := strings.Cut(addr, "://")
	if !found {
		scheme, hostport = "tcp", addr
	}
	switch scheme {
	case "tcp", "kcp", "ws", "tls":
		return scheme, hostport, nil
	}
	return "", "", fmt.Errorf("client: unsupported scheme %q in %q", scheme, addr)
}

// dialFunc opens a network connection, as net.Dialer.DialContext does.
type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

func dialConn(ctx context.Context, scheme, hostport, addr string, opts *Options) (net.Conn, error) {
	dial := opts.DialContext
	if dial == nil {
		dial = new(net.Dialer).DialContext
	}
	switch scheme {
	case "kcp":
		return dialKCP(hostport, &opts.KCP)
	case "ws":
		return dialWS(ctx, addr, dial)
	case "tls":
		return dialTLS(ctx, hostport, opts.TLS, dial)
	}
	return dial(ctx, "tcp", hostport)
}

// dialTLS opens a TLS connection over what dial returns. Without a
// ServerName in cfg, the host of hostport is verified (tls.Dialer's rule).
func dialTLS(ctx context.Context, hostport string, cfg *tls.Config, dial dialFunc) (net.Conn, error) {
	raw, err := dial(ctx, "tcp", hostport)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName = hostport
		if host, _, err := net.SplitHostPort(hostport); err == nil {
			cfg.ServerName = host
		}
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, fmt.Errorf("client: tls handshake with %s: %w", hostport, err)
	}
	return tc, nil
}

func dialKCP(addr string, o *KCPOptions) (net.Conn, error) {
	block, err := kcpconf.BlockCrypt(o.Key)
	if err != nil {
		return nil, err
	}
	s, err := kcpcore.Dial(addr, block, o.DataShards, o.ParityShards)
	if err != nil {
		return nil, fmt.Errorf("client: dial kcp %s: %w", addr, err)
	}
	o.Tuning.Apply(s)
	return s, nil
}

// handshake sends the handshake, waits for the server's answer and sends
// the ack.
func (c *Client) handshake(ctx context.Context) error {
	body, err := c.handshakeBody()
	if err != nil {
		return err
	}
	pkt, err := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = c.conn.SetDeadline(deadline)
	defer c.conn.SetDeadline(time.Time{})
	if _, err := c.conn.Write(pkt); err != nil {
		return fmt.Errorf("client: send handshake: %w", err)
	}
	resp, err := c.readHandshakeResponse()
	if err != nil {
		return err
	}
	if err := c.applyHandshake(resp); err != nil {
		return err
	}
	_, err = c.conn.Write(wire.HandshakeAckPacket())
	return err
}

func (c *Client) handshakeBody() ([]byte, error) {
	user := json.RawMessage("{}")
	if c.opts.User != nil {
		b, err := json.Marshal(c.opts.User)
		if err != nil {
			return nil, fmt.Errorf("client: handshake user data: %w", err)
		}
		user = b
	}
	return wire.EncodeHandshakeRequest(&wire.HandshakeRequest{Sys: c.opts.Sys, User: user})
}

func (c *Client) readHandshakeResponse() (*wire.HandshakeResponse, error) {
	t, body, err := readPacket(c.br, c.opts.MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("client: read handshake response: %w", err)
	}
	if t != wire.PacketHandshake {
		return nil, fmt.Errorf("client: expected a handshake response, got a %s packet", t)
	}
	resp, err := wire.DecodeHandshakeResponse(body)
	if err != nil {
		return nil, err
	}
	if resp.Code != wire.HandshakeCodeOK {
		return nil, fmt.Errorf("%w: code %d", ErrHandshakeRefused, resp.Code)
	}
	return resp, nil
}

// readChunk is the body buffer readPacket starts with; it doubles as the
// bytes arrive, so a declared length costs memory only once its bytes
// are there.
const readChunk = 64 << 10

// readPacket reads one whole packet; the body is a new slice. A stream
// that ends inside a packet fails with io.ErrUnexpectedEOF.
func readPacket(br *bufio.Reader, maxBody int) (wire.PacketType, []byte, error) {
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return 0, nil, err
	}
	t, n, err := wire.ParseHeader(hdr[:])
	if err != nil {
		return 0, nil, err
	}
	if n > maxBody {
		return 0, nil, fmt.Errorf("%w: %d bytes", wire.ErrBodyTooLarge, n)
	}
	body, filled := make([]byte, min(n, readChunk)), 0
	for {
		if _, err := io.ReadFull(br, body[filled:]); err != nil {
			return 0, nil, unexpectedEOF(err)
		}
		if len(body) == n {
			return t, body, nil
		}
		filled = len(body)
		body = slices.Grow(body, min(n-filled, filled))[:filled+min(n-filled, filled)]
	}
}

// unexpectedEOF reports the end of the stream inside a packet as such.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
