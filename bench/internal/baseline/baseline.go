// Package baseline is the ceiling the benchmark compares gamesrv with: a
// bare gnet v2 server speaking the same Pomelo framing with the smallest
// possible protocol. It answers a handshake with a fixed code-200 response,
// accepts acks, answers heartbeats with a heartbeat and each Data Request
// with a Response carrying the same payload. It has no sessions, no queues
// and no goroutine hop: every frame is handled on the event loop that read
// it, and the answers to all the frames of one read go out in one write.
//
// With Options.Backend it is instead the frontend of the forwarding
// baseline (forward.go), and ServeLink its backend.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"

	"github.com/gamesrv/gamesrv/internal/gnetaddr"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// maxBody is the largest packet body accepted, as gamesrv's default.
const maxBody = 1 << 20

// Options configures a [Server].
type Options struct {
	// Addr is the TCP address to listen on; port 0 picks a free port.
	Addr string
	// EventLoops is the number of gnet event loops. Default: one per CPU,
	// as gamesrv's TCP transport.
	EventLoops int
	// Dict is the route dictionary announced in the handshake, so that
	// clients compress routes exactly as they do with gamesrv.
	Dict map[string]uint16
	// Backend, when set, is the address of a ServeLink backend: the server
	// forwards every Data packet's message to it over one TCP link and
	// writes its replies, instead of answering them itself.
	Backend string
}

// Server is the baseline echo server.
type Server struct {
	gnet.BuiltinEventEngine
	opts      Options
	handshake []byte // the whole handshake response packet
	heartbeat []byte // the heartbeat packet
	bufs      sync.Pool
	fwd       *forwarder // with Options.Backend
	eng       gnet.Engine
	booted    chan struct{}
	ran       chan error
	addr      net.Addr
}

// New returns a server for opts; nothing is bound until Start.
func New(opts Options) (*Server, error) {
	body, err := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{
		Code: wire.HandshakeCodeOK,
		Sys:  &wire.HandshakeResponseSys{Dict: opts.Dict, Heartbeat: 30, Serializer: "protobuf"},
	})
	if err != nil {
		return nil, err
	}
	hs, err := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, handshake: hs, heartbeat: wire.HeartbeatPacket(),
		booted: make(chan struct{}), ran: make(chan error, 1),
	}
	s.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	return s, nil
}

// Start binds the address and runs the event loops; it returns once the
// listener accepts connections.
func (s *Server) Start() error {
	loops := s.opts.EventLoops
	if loops <= 0 {
		loops = runtime.NumCPU()
	}
	if s.opts.Backend != "" {
		fwd, err := dialBackend(s.opts.Backend)
		if err != nil {
			return fmt.Errorf("baseline: link to %s: %w", s.opts.Backend, err)
		}
		s.fwd = fwd
	}
	opts := []gnet.Option{
		gnet.WithNumEventLoop(loops),
		gnet.WithReusePort(false), // with port 0, each loop would bind its own port
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogLevel(logging.WarnLevel),
	}
	go func() { s.ran <- gnet.Run(s, "tcp://"+s.opts.Addr, opts...) }()
	select {
	case <-s.booted:
	case err := <-s.ran:
		if s.fwd != nil {
			s.fwd.stop()
		}
		return fmt.Errorf("baseline: listen %s: %w", s.opts.Addr, err)
	}
	addr, err := gnetaddr.Bound(s.eng)
	if err != nil {
		_ = s.Stop(context.Background())
		return err
	}
	s.addr = addr
	return nil
}

// Addr returns the bound address; valid after Start.
func (s *Server) Addr() net.Addr { return s.addr }

// Stop closes the listener and every connection and waits for the loops
// (gnet's Stop takes about 500 ms).
func (s *Server) Stop(ctx context.Context) error {
	if s.fwd != nil {
		defer s.fwd.stop()
	}
	if err := s.eng.Stop(ctx); err != nil {
		return err
	}
	select {
	case err := <-s.ran:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OnBoot records the engine; the listener exists from now on.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	close(s.booted)
	return gnet.None
}

// OnOpen registers a forwarding frontend's connection.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if s.fwd != nil {
		s.fwd.open(c)
	}
	return nil, gnet.None
}

// OnClose forgets a forwarding frontend's connection.
func (s *Server) OnClose(c gnet.Conn, _ error) gnet.Action {
	if s.fwd != nil {
		s.fwd.close(c)
	}
	return gnet.None
}

// OnTraffic handles every complete frame buffered on c, then writes all the
// answers at once.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	if s.fwd != nil {
		return s.fwd.onTraffic(s, c)
	}
	bp := s.bufs.Get().(*[]byte)
	out, action := s.drain(c, (*bp)[:0], nil)
	if len(out) > 0 && action == gnet.None {
		if _, err := c.Write(out); err != nil {
			action = gnet.Close
		}
	}
	*bp = out
	s.bufs.Put(bp)
	return action
}

// drain appends the answer to each complete frame to out and discards the
// frame; with forward, it hands each Data packet's message to forward
// instead of answering it. Frames left in gnet's buffer would not be
// delivered again until more bytes arrive, so it takes all of them.
func (s *Server) drain(c gnet.Conn, out []byte, forward func(msg []byte)) ([]byte, gnet.Action) {
	for {
		hdr, err := c.Peek(wire.HeaderLen)
		if err != nil {
			return out, gnet.None // wait for a whole header
		}
		t, n, err := wire.ParseHeader(hdr)
		if err != nil || n > maxBody {
			return out, gnet.Close
		}
		if c.InboundBuffered() < wire.HeaderLen+n {
			return out, gnet.None // partial frame: gnet keeps it
		}
		frame, err := c.Peek(wire.HeaderLen + n)
		if err != nil {
			return out, gnet.Close
		}
		if t == wire.PacketData && forward != nil {
			forward(frame[wire.HeaderLen:])
		} else if out, err = s.answer(out, t, frame[wire.HeaderLen:]); err != nil {
			return out, gnet.Close
		}
		if _, err := c.Discard(wire.HeaderLen + n); err != nil {
			return out, gnet.Close
		}
	}
}

// answer appends the answer to one packet to out.
func (s *Server) answer(out []byte, t wire.PacketType, body []byte) ([]byte, error) {
	switch t {
	case wire.PacketHandshake:
		return append(out, s.handshake...), nil
	case wire.PacketHandshakeAck:
		return out, nil
	case wire.PacketHeartbeat:
		return append(out, s.heartbeat...), nil
	case wire.PacketData:
		return echo(out, body)
	}
	return out, errors.New("baseline: unexpected packet " + t.String())
}

// echo appends a Response with the request's payload; notifies get none.
func echo(out, body []byte) ([]byte, error) {
	m, err := wire.DecodeMessage(body)
	if err != nil || m.Type != wire.MessageRequest {
		return out, err
	}
	return wire.AppendDataPacket(out, &wire.Header{Type: wire.MessageResponse, ID: m.ID}, m.Payload)
}
