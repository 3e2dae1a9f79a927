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
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/runtime/transport/kcp"
	"github.com/gamesrv/gamesrv/runtime/wire"
	kcpgo "github.com/xtaci/kcp-go/v5"
)

// ErrHandshakeRefused is returned by Dial when the server answers the
// handshake with a code other than 200.
var ErrHandshakeRefused = errors.New("client: handshake refused")

// Dial connects to addr ("tcp://host:port", "kcp://host:port",
// "ws://host:port/path", "tls://host:port", or "host:port" for TCP),
// performs the handshake and returns a ready client.
func Dial(ctx context.Context, addr string, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.DialTimeout)
	defer cancel()
	nc, err := dialConn(ctx, addr, &opts)
	if err != nil {
		return nil, err
	}
	c := newClient(nc, opts)
	if err := c.handshake(ctx); err != nil {
		_ = nc.Close()
		return nil, err
	}
	c.start()
	return c, nil
}

func dialConn(ctx context.Context, addr string, opts *Options) (net.Conn, error) {
	scheme, hostport, found := strings.Cut(addr, "://")
	if !found {
		scheme, hostport = "tcp", addr
	}
	switch scheme {
	case "tcp":
		var d net.Dialer
		return d.DialContext(ctx, "tcp", hostport)
	case "kcp":
		return dialKCP(hostport, &opts.KCP)
	case "ws":
		return dialWS(ctx, addr)
	case "tls":
		d := tls.Dialer{Config: opts.TLS}
		return d.DialContext(ctx, "tcp", hostport)
	}
	return nil, fmt.Errorf("client: unsupported scheme %q in %q", scheme, addr)
}

func dialKCP(addr string, o *KCPOptions) (net.Conn, error) {
	block, err := kcp.BlockCrypt(o.Key)
	if err != nil {
		return nil, err
	}
	s, err := kcpgo.DialWithOptions(addr, block, o.DataShards, o.ParityShards)
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

// readPacket reads one whole packet; the body is a new slice.
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
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return 0, nil, err
	}
	return t, body, nil
}
