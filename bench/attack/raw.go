package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// rawConn is a client connection that writes packets itself: the attacks
// send what the Go client would not (oversized handshakes, zlib payloads,
// pipelines without a window) and must see exactly how the server answers
// and closes.
type rawConn struct {
	nc  net.Conn
	br  *bufio.Reader
	ser gamesrv.Serializer // the one the server announced
}

// dialRaw opens a TCP connection to addr from src (nil: the system's
// choice).
func dialRaw(ctx context.Context, addr string, src net.IP) (*rawConn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if src != nil {
		d.LocalAddr = &net.TCPAddr{IP: src}
	}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), ser: gamesrv.ProtobufSerializer{}}, nil
}

// sourceIP returns the loopback address 127.0.(1+i/250).(1+i%250): each
// attacker connection that stands for a different client comes from an
// address of its own, so that a per-address connection limit does not
// mix into the figures of the other attacks.
func sourceIP(i int) net.IP {
	return net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))
}

// errRejected is a handshake answered with a code other than 200.
var errRejected = errors.New("handshake rejected")

// handshake sends a handshake packet with body, reads the answer and, when
// it is accepted, sends the ack. It returns errRejected for a code other
// than 200 and the connection's error when the server closed it.
func (c *rawConn) handshake(body []byte, timeout time.Duration) error {
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	pkt, err := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if err != nil {
		return err
	}
	if _, err := c.nc.Write(pkt); err != nil {
		return err
	}
	t, resp, err := c.readPacket()
	switch {
	case err != nil:
		return err
	case t == wire.PacketKick:
		return kickError(resp)
	case t != wire.PacketHandshake:
		return fmt.Errorf("expected a handshake answer, got a %v packet", t)
	}
	hs, err := wire.DecodeHandshakeResponse(resp)
	if err != nil {
		return err
	}
	if hs.Code != wire.HandshakeCodeOK {
		return fmt.Errorf("%w: code %d", errRejected, hs.Code)
	}
	if c.ser, err = gamesrv.SerializerByName(hs.Sys.Serializer); err != nil {
		return err
	}
	_, err = c.nc.Write(wire.HandshakeAckPacket())
	return err
}

// readPacket reads one packet.
func (c *rawConn) readPacket() (wire.PacketType, []byte, error) {
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return 0, nil, err
	}
	t, n, err := wire.ParseHeader(hdr[:])
	if err != nil {
		return 0, nil, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.br, body); err != nil {
		return 0, nil, err
	}
	return t, body, nil
}

// answer is the server's answer to one request.
type answer struct {
	id   uint32
	code gamesrv.Code // empty for a success
	msg  string
}

// readAnswer reads packets until a response, skipping heartbeats and
// pushes. A kick is returned as a *kicked error.
func (c *rawConn) readAnswer() (answer, error) {
	for {
		t, body, err := c.readPacket()
		if err != nil {
			return answer{}, err
		}
		switch t {
		case wire.PacketKick:
			return answer{}, kickError(body)
		case wire.PacketData:
		default:
			continue
		}
		m, err := wire.DecodeMessage(body)
		if err != nil {
			return answer{}, err
		}
		if m.Type != wire.MessageResponse {
			continue
		}
		a := answer{id: m.ID}
		if m.Error {
			e, err := gamesrv.DecodeErrorPayload(c.ser, m.Payload)
			if err != nil {
				return answer{}, fmt.Errorf("undecodable error answer: %w", err)
			}
			a.code, a.msg = e.Code(), e.Message()
		}
		return a, nil
	}
}

// request returns the Data packet of request id on route with m as
// payload, in the serializer the server announced.
func (c *rawConn) request(id uint32, route string, m proto.Message) ([]byte, error) {
	payload, err := c.ser.AppendMarshal(nil, m)
	if err != nil {
		return nil, err
	}
	return wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: id, Route: route}, payload)
}

// call sends one request and waits for its answer.
func (c *rawConn) call(id uint32, route string, m proto.Message, timeout time.Duration) (answer, error) {
	pkt, err := c.request(id, route, m)
	if err != nil {
		return answer{}, err
	}
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	defer c.nc.SetDeadline(time.Time{})
	if _, err := c.nc.Write(pkt); err != nil {
		return answer{}, err
	}
	return c.readAnswer()
}

// Close closes the connection.
func (c *rawConn) Close() error { return c.nc.Close() }

// kicked is a Kick packet from the server.
type kicked struct{ reason string }

func (k *kicked) Error() string {
	if k.reason == "" {
		return "kicked"
	}
	return "kicked: " + k.reason
}

func kickError(body []byte) error {
	var k struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(body, &k)
	return &kicked{reason: k.Reason}
}

// The ways a connection ends, as the scenarios count them.
const (
	endEOF     = "EOF"   // orderly close (FIN)
	endReset   = "reset" // ECONNRESET (RST), or EPIPE on a write
	endKick    = "kick"  // a Kick packet
	endTimeout = "timeout"
	endOther   = "other"
)

// endOf classifies the error that ended a connection.
func endOf(err error) string {
	var k *kicked
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return endEOF
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return endReset
	case errors.As(err, &k):
		return endKick
	case errors.Is(err, os.ErrDeadlineExceeded):
		return endTimeout
	}
	return endOther
}

// handshakeBody returns a client handshake body of exactly size bytes
// (or the smallest one, if size is smaller): the user object carries the
// padding.
func handshakeBody(size int) []byte {
	const prefix, suffix = `{"sys":{"platform":"attack","libVersion":"1"},"user":{"pad":"`, `"}}`
	pad := max(0, size-len(prefix)-len(suffix))
	b := make([]byte, 0, len(prefix)+pad+len(suffix))
	b = append(b, prefix...)
	for range pad {
		b = append(b, 'x')
	}
	return append(b, suffix...)
}

// minHandshake is the smallest handshake body handshakeBody builds.
var minHandshake = handshakeBody(0)

// counts counts strings (ends, codes) in insertion order.
type counts struct {
	keys []string
	n    map[string]int
	note map[string]string // the first message of each key
}

func (c *counts) add(key, note string) {
	if c.n == nil {
		c.n, c.note = map[string]int{}, map[string]string{}
	}
	if _, ok := c.n[key]; !ok {
		c.keys = append(c.keys, key)
		c.note[key] = note
	}
	c.n[key]++
}

func (c *counts) merge(o *counts) {
	for _, k := range o.keys {
		for range o.n[k] {
			c.add(k, o.note[k])
		}
	}
}

func (c *counts) total() int {
	t := 0
	for _, v := range c.n {
		t += v
	}
	return t
}

// String prints "KEY ×N (first note), ...", or "none".
func (c *counts) String() string {
	if len(c.keys) == 0 {
		return "none"
	}
	s := ""
	for i, k := range c.keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s ×%d", k, c.n[k])
		if c.note[k] != "" {
			s += fmt.Sprintf(" (%q)", c.note[k])
		}
	}
	return s
}
