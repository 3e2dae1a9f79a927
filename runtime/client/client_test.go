package client_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// fakeServer accepts one connection and runs script on it, speaking raw
// packets, so the client can be tested against exact server behaviour.
type fakeServer struct {
	t    *testing.T
	ln   net.Listener
	conn net.Conn
	br   *bufio.Reader
}

func serve(t *testing.T, script func(s *fakeServer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		script(&fakeServer{t: t, ln: ln, conn: nc, br: bufio.NewReader(nc)})
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return "tcp://" + ln.Addr().String()
}

func (s *fakeServer) read() (wire.PacketType, []byte, error) {
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(s.br, hdr[:]); err != nil {
		return 0, nil, err
	}
	t, n, err := wire.ParseHeader(hdr[:])
	if err != nil {
		return 0, nil, err
	}
	body := make([]byte, n)
	_, err = io.ReadFull(s.br, body)
	return t, body, err
}

// nextData returns the next Data message, skipping heartbeats.
func (s *fakeServer) nextData() (wire.Message, bool) {
	for {
		t, body, err := s.read()
		if err != nil {
			return wire.Message{}, false
		}
		if t == wire.PacketData {
			m, err := wire.DecodeMessage(body)
			return m, err == nil
		}
	}
}

func (s *fakeServer) send(t wire.PacketType, body []byte) {
	p, _ := wire.AppendPacket(nil, t, body)
	_, _ = s.conn.Write(p)
}

func (s *fakeServer) sendMessage(h *wire.Header, payload []byte) {
	p, _ := wire.AppendDataPacket(nil, h, payload)
	_, _ = s.conn.Write(p)
}

// accept answers the handshake with heartbeat hb and dict, and waits for
// the ack.
func (s *fakeServer) accept(hb int, dict map[string]uint16) bool {
	if t, _, err := s.read(); err != nil || t != wire.PacketHandshake {
		return false
	}
	body, _ := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{Code: 200, Sys: &wire.HandshakeResponseSys{Dict: dict, Heartbeat: hb, Serializer: "protobuf"}})
	s.send(wire.PacketHandshake, body)
	t, _, err := s.read()
	return err == nil && t == wire.PacketHandshakeAck
}

// drain reads until the client goes away.
func (s *fakeServer) drain() {
	for {
		if _, _, err := s.read(); err != nil {
			return
		}
	}
}

func opts() client.Options {
	return client.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), DialTimeout: 5 * time.Second}
}

func dial(t *testing.T, addr string) *client.Client {
	t.Helper()
	c, err := client.Dial(context.Background(), addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestHandshakeRefused(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		_, _, _ = s.read()
		s.send(wire.PacketHandshake, []byte(`{"code":400}`))
	})
	_, err := client.Dial(context.Background(), addr, opts())
	if !errors.Is(err, client.ErrHandshakeRefused) {
		t.Fatalf("got %v", err)
	}
}

func TestHandshakeSendsUserData(t *testing.T) {
	got := make(chan *wire.HandshakeRequest, 1)
	addr := serve(t, func(s *fakeServer) {
		_, body, _ := s.read()
		hs, _ := wire.DecodeHandshakeRequest(body)
		got <- hs
		s.send(wire.PacketHandshake, []byte(`{"code":200,"sys":{"heartbeat":30,"dict":{},"serializer":"protobuf"}}`))
		s.drain()
	})
	o := opts()
	o.User = map[string]string{"token": "abc"}
	c, err := client.Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hs := <-got
	if string(hs.User) != `{"token":"abc"}` || hs.Sys.Platform != "go" {
		t.Errorf("handshake %s %+v", hs.User, hs.Sys)
	}
	if c.Heartbeat() != 30*time.Second || c.Serializer().Name() != "protobuf" {
		t.Errorf("heartbeat %v serializer %s", c.Heartbeat(), c.Serializer().Name())
	}
}

func TestRequestResponseAndErrors(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(30, map[string]uint16{"a.b.c": 7}) {
			return
		}
		for {
			m, ok := s.nextData()
			if !ok {
				return
			}
			if !m.Compressed || m.Code != 7 {
				s.t.Errorf("route not compressed with the dictionary: %+v", m)
			}
			var v wrapperspb.StringValue
			_ = proto.Unmarshal(m.Payload, &v)
			if v.GetValue() == "fail" {
				e, _ := gamesrv.AppendErrorPayload(nil, gamesrv.ProtobufSerializer{}, gamesrv.NewError("APP-9", "nope").With("k", "v"))
				s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID, Error: true}, e)
				continue
			}
			s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID}, m.Payload)
		}
	})
	c := dial(t, addr)
	resp := new(wrapperspb.StringValue)
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("hi"), resp); err != nil || resp.GetValue() != "hi" {
		t.Fatalf("got %v %v", resp, err)
	}
	err := c.Request(context.Background(), "a.b.c", wrapperspb.String("fail"), resp)
	var e *gamesrv.Error
	if !errors.As(err, &e) || e.Code() != "APP-9" || e.Metadata()["k"] != "v" {
		t.Fatalf("got %v", err)
	}
}

func TestRequestDeadline(t *testing.T) {
	late := make(chan uint32, 1)
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(30, nil) {
			return
		}
		m, ok := s.nextData()
		if !ok {
			return
		}
		id := <-late // answer only after the client gave up
		s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID + id}, nil)
		m2, ok := s.nextData()
		if ok {
			s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m2.ID}, m2.Payload)
		}
		s.drain()
	})
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := c.Request(ctx, "a.b.c", wrapperspb.String("slow"), new(wrapperspb.StringValue))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	late <- 0 // the late response must be dropped, not delivered to the next request
	resp := new(wrapperspb.StringValue)
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("next"), resp); err != nil || resp.GetValue() != "next" {
		t.Fatalf("got %v %v", resp, err)
	}
}

func TestServerSilenceEndsClient(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if s.accept(1, nil) {
			s.drain() // never sends a heartbeat
		}
	})
	c := dial(t, addr)
	start := time.Now() // just after the last packet from the server
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client still up after the server fell silent")
	}
	if !errors.Is(c.Err(), client.ErrServerTimeout) {
		t.Errorf("got %v", c.Err())
	}
	// The rule is the server's: more than 2.5H of silence (H = 1 s). The
	// lower bound allows for the reader arming its deadline before Dial
	// returns; the upper one is generous for a loaded machine.
	limit := wire.HeartbeatTimeout(time.Second)
	if silent := time.Since(start); silent < limit-100*time.Millisecond || silent > limit+400*time.Millisecond {
		t.Errorf("gave up after %v of silence, want just over %v", silent, limit)
	}
}

func TestKick(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if s.accept(30, nil) {
			s.send(wire.PacketKick, []byte(`{"reason":"maintenance"}`))
			s.drain()
		}
	})
	c := dial(t, addr)
	<-c.Done()
	var k *client.KickError
	if !errors.As(c.Err(), &k) || k.Reason != "maintenance" {
		t.Fatalf("got %v", c.Err())
	}
	if err := c.Notify(context.Background(), "a.b.c", wrapperspb.String("x")); err == nil {
		t.Error("notify after kick succeeded")
	}
}

// pushes records typed pushes.
type pushes struct{ ch chan string }

var pushDesc = gamesrv.ServiceDesc{Name: "t.S", ServerType: "t", Routes: []gamesrv.Route{{
	Name: "onThing", Kind: gamesrv.KindPush,
	NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
	HandlePush: func(_ context.Context, h any, msg proto.Message) {
		h.(*pushes).ch <- msg.(*wrapperspb.StringValue).GetValue()
	},
}}}

// pushOnConnect is a fake server that pushes right after the handshake
// ack, as a server sending a welcome message or a room's state does.
func pushOnConnect(s *fakeServer) {
	if !s.accept(30, map[string]uint16{"onThing": 3}) {
		return
	}
	for i, v := range []string{"1", "2", "3"} {
		h := &wire.Header{Type: wire.MessagePush, Route: "onThing"}
		if i == 1 {
			h.Compressed, h.Code = true, 3 // compressed push route, resolved with the dictionary
		}
		b, _ := proto.Marshal(wrapperspb.String(v))
		s.sendMessage(h, b)
	}
	raw, _ := proto.Marshal(wrapperspb.String("raw"))
	s.sendMessage(&wire.Header{Type: wire.MessagePush, Route: "onOther"}, raw)
	s.drain()
}

// expectPushes checks that the typed pushes 1, 2, 3 arrive in order and
// the untyped one at the raw handler.
func expectPushes(t *testing.T, p *pushes, rawc chan string) {
	t.Helper()
	for _, want := range []string{"1", "2", "3"} {
		select {
		case got := <-p.ch:
			if got != want {
				t.Fatalf("got push %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("push missing")
		}
	}
	select {
	case r := <-rawc:
		if r != "onOther" {
			t.Errorf("raw push route %q", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("raw push missing")
	}
}

func TestPushesInOrderWithHandlersRegisteredBeforeConnect(t *testing.T) {
	addr := serve(t, pushOnConnect)
	c, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	p := &pushes{ch: make(chan string, 3)}
	rawc := make(chan string, 1)
	if err := c.RegisterPushHandler(&pushDesc, p); err != nil {
		t.Fatal(err)
	}
	c.HandleRawPush(func(route string, payload []byte) { rawc <- route })
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	expectPushes(t, p, rawc)
}

// TestPushesBeforeFirstHandlerAreHeld: with Dial, pushes that arrive
// before the first handler is registered wait for it. The server's pushes
// are all received before the registration (a barrier request proves it).
func TestPushesBeforeFirstHandlerAreHeld(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(30, map[string]uint16{"onThing": 3}) {
			return
		}
		for _, v := range []string{"1", "2", "3"} {
			b, _ := proto.Marshal(wrapperspb.String(v))
			s.sendMessage(&wire.Header{Type: wire.MessagePush, Route: "onThing"}, b)
		}
		m, ok := s.nextData() // the barrier: answered after the pushes
		if !ok {
			return
		}
		s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID}, nil)
		s.drain()
	})
	c := dial(t, addr)
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("x"), new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}
	p := &pushes{ch: make(chan string, 3)}
	if err := c.RegisterPushHandler(&pushDesc, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1", "2", "3"} {
		select {
		case got := <-p.ch:
			if got != want {
				t.Fatalf("got push %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("push missing")
		}
	}
}

// TestHeldPushesAreBounded: a client that registers no handler keeps at
// most PushQueue pushes (the newest) and still answers requests.
func TestHeldPushesAreBounded(t *testing.T) {
	const sent, queue = 20, 4
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(30, nil) {
			return
		}
		for i := range sent {
			b, _ := proto.Marshal(wrapperspb.String(strconv.Itoa(i)))
			s.sendMessage(&wire.Header{Type: wire.MessagePush, Route: "onThing"}, b)
		}
		m, ok := s.nextData()
		if !ok {
			return
		}
		s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID}, nil)
		s.drain()
	})
	o := opts()
	o.PushQueue = queue
	c, err := client.Dial(context.Background(), addr, o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("x"), new(wrapperspb.StringValue)); err != nil {
		t.Fatalf("request while pushes are held: %v", err)
	}
	p := &pushes{ch: make(chan string, sent)}
	if err := c.RegisterPushHandler(&pushDesc, p); err != nil {
		t.Fatal(err)
	}
	for i := sent - queue; i < sent; i++ {
		select {
		case got := <-p.ch:
			if got != strconv.Itoa(i) {
				t.Fatalf("got push %q, want %d", got, i)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("push missing")
		}
	}
}

func TestNewAndConnect(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if s.accept(30, nil) {
			s.drain()
		}
	})
	c, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Notify(context.Background(), "a.b.c", wrapperspb.String("x")); !errors.Is(err, client.ErrNotConnected) {
		t.Errorf("notify before Connect: %v", err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err == nil {
		t.Error("second Connect succeeded")
	}
	_ = c.Close()

	closed, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	_ = closed.Close()
	if err := closed.Connect(context.Background()); !errors.Is(err, client.ErrClosed) {
		t.Errorf("Connect after Close: %v", err)
	}
	if _, err := client.New("ws+unix://x", opts()); err == nil {
		t.Error("New accepted an unknown scheme")
	}
}

func TestCloseFailsPendingRequests(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if s.accept(30, nil) {
			s.drain() // never answers
		}
	})
	c := dial(t, addr)
	errc := make(chan error, 1)
	go func() {
		errc <- c.Request(context.Background(), "a.b.c", wrapperspb.String("x"), new(wrapperspb.StringValue))
	}()
	_ = c.Close()
	if err := <-errc; !errors.Is(err, client.ErrClosed) {
		t.Fatalf("got %v", err)
	}
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("x"), new(wrapperspb.StringValue)); !errors.Is(err, client.ErrClosed) {
		t.Errorf("request after close: %v", err)
	}
}

func TestDialErrors(t *testing.T) {
	if _, err := client.Dial(context.Background(), "ws+unix://x", opts()); err == nil {
		t.Error("unknown scheme accepted")
	}
	o := opts()
	o.KCP.Key = []byte("short")
	if _, err := client.Dial(context.Background(), "kcp://127.0.0.1:1", o); err == nil {
		t.Error("bad AES key accepted")
	}
}
