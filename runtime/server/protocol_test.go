package server_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

const (
	libpitayaHandshake = `{"sys":{"platform":"android","libVersion":"0.3.5","clientBuildNumber":"20","clientVersion":"2.1"},"user":{"token":"t"}}`
	pomeloJSHandshake  = `{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}},"user":{}}`
	timeout            = 5 * time.Second
)

func TestHandshakeShapes(t *testing.T) {
	srv := startServer(t, server.Options{Heartbeat: 7 * time.Second})
	for _, body := range []string{libpitayaHandshake, pomeloJSHandshake, `{}`, `{"sys":{},"extra":1}`} {
		t.Run(body, func(t *testing.T) {
			c := testkit.DialRaw(t, srv.tcpAddr)
			resp := c.Handshake(body)
			if resp.Sys.Heartbeat != 7 || resp.Sys.Serializer != "protobuf" {
				t.Errorf("sys = %+v", resp.Sys)
			}
			if _, ok := resp.Sys.Dict[echoRoute]; !ok {
				t.Errorf("dict %v lacks %s", resp.Sys.Dict, echoRoute)
			}
			if _, ok := resp.Sys.Dict[internalRoute]; ok {
				t.Errorf("dict %v exposes the internal route", resp.Sys.Dict)
			}
			echo(t, c, 1, "hi")
		})
	}
}

func TestHandshakeRejected(t *testing.T) {
	srv := startServer(t, server.Options{})
	for _, body := range []string{"", "not json", `{"sys":[]}`, `{"user":"x"}`, `{"sys":{"platform":5}}`, `[]`} {
		t.Run(body, func(t *testing.T) {
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Send(wire.PacketHandshake, []byte(body))
			typ, b := c.Next(timeout)
			if typ != wire.PacketHandshake || string(b) != `{"code":400}` {
				t.Fatalf("got %s %q, want handshake {\"code\":400}", typ, b)
			}
			c.ExpectClosed(timeout)
		})
	}
}

func TestHandshakeValidator(t *testing.T) {
	seen := make(chan *wire.HandshakeRequest, 1)
	srv := startServer(t, server.Options{HandshakeValidators: []server.HandshakeValidator{
		func(_ context.Context, s gamesrv.Session, hs *wire.HandshakeRequest) error {
			var user struct{ Token string }
			_ = json.Unmarshal(hs.User, &user)
			if user.Token != "t" {
				return errors.New("bad token")
			}
			seen <- hs
			return s.Bind(context.Background(), "player-"+user.Token)
		},
	}})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(libpitayaHandshake)
	if hs := recv(t, seen, "the validator"); hs.Sys.Platform != "android" {
		t.Fatalf("validator saw %+v", hs)
	}
	if _, ok := srv.SessionByUID("player-t"); !ok {
		t.Error("validator's Bind did not take")
	}
	bad := testkit.DialRaw(t, srv.tcpAddr)
	bad.Send(wire.PacketHandshake, []byte(pomeloJSHandshake))
	if typ, b := bad.Next(timeout); typ != wire.PacketHandshake || string(b) != `{"code":400}` {
		t.Fatalf("got %s %q, want a 400", typ, b)
	}
	bad.ExpectClosed(timeout)
}

func TestDataBeforeAckCloses(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Send(wire.PacketHandshake, []byte(pomeloJSHandshake))
	c.Next(timeout) // the handshake response; no ack sent
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("x"))
	if seen := c.ExpectClosed(timeout); len(seen) != 0 {
		t.Errorf("got %v before the close, want nothing", seen)
	}
}

func TestAckAndDataInOneWrite(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Send(wire.PacketHandshake, []byte(libpitayaHandshake))
	c.Next(timeout)
	ack := wire.HandshakeAckPacket()
	req, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("x"))
	c.Write(append(ack, req...))
	if m := c.NextData(timeout); m.ID != 1 || unstr(t, m.Payload) != "x" {
		t.Fatalf("got %+v", m)
	}
}

func TestErrorResponses(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	tests := []struct {
		name    string
		route   string // sent as text; "" sends an empty route text
		payload []byte
		code    gamesrv.Code
	}{
		{"unknown route", "test.echo.nope", nil, gamesrv.CodeNotFound},
		{"unknown short route", "echo.nope", nil, gamesrv.CodeNotFound},
		{"unknown server type", "other.echo.echo", nil, gamesrv.CodeNotFound},
		{"internal route", internalRoute, str("x"), gamesrv.CodeNotFound},
		{"push route", pushRoute, nil, gamesrv.CodeNotFound},
		{"empty route", "", str("x"), gamesrv.CodeBadRequest},
		{"route without dots", "nodots", nil, gamesrv.CodeBadRequest},
		{"route of four parts", "a.b.c.d", nil, gamesrv.CodeBadRequest},
		{"empty route part", "test..echo", nil, gamesrv.CodeBadRequest},
		{"leading dot", ".echo.echo", nil, gamesrv.CodeBadRequest},
		{"trailing dot", "echo.", nil, gamesrv.CodeBadRequest},
		{"route not UTF-8", "test.\xff.echo", nil, gamesrv.CodeBadRequest},
		{"undecodable payload", echoRoute, []byte{0xff, 0xff}, gamesrv.CodeBadRequest},
		{"request to notify route", sayRoute, str("x"), gamesrv.CodeBadRequest},
		{"coded error", echoRoute, str("error"), "APP-1"},
		{"plain error", echoRoute, str("plain"), gamesrv.CodeInternal},
		{"panic", echoRoute, str("panic"), gamesrv.CodeInternal},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := uint32(i + 10)
			sendRequest(c, id, tt.route, tt.payload)
			e := expectError(t, c.NextData(timeout), id, tt.code)
			if tt.code == gamesrv.CodeInternal && e.Message() != "internal error" {
				t.Errorf("internal error leaked %q", e.Message())
			}
		})
	}
	echo(t, c, 99, "still serving")
}

// sendRequest sends a request with a route text. The encoder refuses an
// empty route, which the server must answer GS-400, so that one is built
// by hand: flag, ID varint, route length 0, payload.
func sendRequest(c *testkit.RawConn, id uint32, route string, payload []byte) {
	if route != "" {
		c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: id, Route: route}, payload)
		return
	}
	body := binary.AppendUvarint([]byte{byte(wire.MessageRequest) << 1}, uint64(id))
	c.Send(wire.PacketData, append(append(body, 0), payload...))
}

func TestMalformedRouteNotifyDropped(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	for _, route := range []string{"nodots", "a.b.c.d"} {
		c.SendMessage(&wire.Header{Type: wire.MessageNotify, Route: route}, str(route))
	}
	c.Send(wire.PacketData, append([]byte{byte(wire.MessageNotify) << 1, 0}, str("empty")...))
	echo(t, c, 1, "no answer to the notifies, no close") // the next message is this answer
	select {
	case v := <-srv.h.said:
		t.Errorf("a notify with a malformed route reached a handler: %q", v)
	default:
	}
}

func TestRawErrorBytes(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 5, Route: "x.y.z"}, nil)
	typ, body := c.Next(timeout)
	if typ != wire.PacketData || body[0] != 0x24 || body[1] != 5 {
		t.Fatalf("got %s % x, want a Data packet with flag 0x24 and ID 5", typ, body)
	}
}

func TestCompressedRoutes(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	resp := c.Handshake(libpitayaHandshake)
	code := resp.Sys.Dict[echoRoute]
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Compressed: true, Code: code}, str("compressed"))
	if m := c.NextData(timeout); m.ID != 1 || unstr(t, m.Payload) != "compressed" {
		t.Fatalf("got %+v", m)
	}
	c.SendMessage(&wire.Header{Type: wire.MessageNotify, Compressed: true, Code: resp.Sys.Dict[sayRoute]}, str("said"))
	if got := recv(t, srv.h.said, "the notify"); got != "said" {
		t.Errorf("notify got %q", got)
	}
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 2, Compressed: true, Code: 999}, nil)
	c.ExpectClosed(timeout)
}

func TestShortRouteAlias(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: "echo.echo"}, str("short"))
	if m := c.NextData(timeout); m.Error || unstr(t, m.Payload) != "short" {
		t.Fatalf("got %+v", m)
	}
}

func TestZlibPayload(t *testing.T) {
	srv := startServer(t, server.Options{MaxBodySize: 64 << 10})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute, Zlib: true}, deflate(str("inflated")))
	if m := c.NextData(timeout); m.Error || unstr(t, m.Payload) != "inflated" {
		t.Fatalf("got %+v", m)
	}
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 2, Route: echoRoute, Zlib: true}, []byte("not zlib"))
	expectError(t, c.NextData(timeout), 2, gamesrv.CodeBadRequest)
	bomb := deflate(make([]byte, 1<<20)) // 1 MiB of zeros, ~1 KiB compressed
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 3, Route: echoRoute, Zlib: true}, bomb)
	expectError(t, c.NextData(timeout), 3, gamesrv.CodeBadRequest) // inflating stopped at the limit
	echo(t, c, 4, "still open")
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestOversizedLengthCloses(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c.Write([]byte{byte(wire.PacketData), 0xff, 0xff, 0xff, 0, 1, 2})
	c.ExpectClosed(timeout)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("allocated %d bytes for a declared 16 MiB body", grew)
	}
}

func TestInvalidPacketTypeCloses(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Write([]byte{9, 0, 0, 0})
	c.ExpectClosed(timeout)
}

func TestHeartbeat(t *testing.T) {
	srv := startServer(t, server.Options{Heartbeat: time.Second})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	start := time.Now()
	if typ, _ := c.Next(3 * time.Second); typ != wire.PacketHeartbeat {
		t.Fatalf("got %s, want the server's heartbeat", typ)
	}
	c.ExpectClosed(5 * time.Second) // the client stays silent
	if silent := time.Since(start); silent < 2*time.Second {
		t.Errorf("closed after %v of silence, want more than 2H = 2s", silent)
	}
}

func TestHeartbeatKeepsAlive(t *testing.T) {
	srv := startServer(t, server.Options{Heartbeat: time.Second})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	for range 4 { // 4 server heartbeats ≈ 4 s > 2H, answered by ours
		if typ, _ := c.Next(3 * time.Second); typ != wire.PacketHeartbeat {
			t.Fatalf("got %s, want a heartbeat", typ)
		}
		c.Send(wire.PacketHeartbeat, nil)
	}
	echo(t, c, 1, "alive")
}

func TestHandshakeDeadline(t *testing.T) {
	srv := startServer(t, server.Options{HandshakeTimeout: 300 * time.Millisecond})
	c := testkit.DialRaw(t, srv.tcpAddr)
	start := time.Now()
	c.ExpectClosed(3 * time.Second)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before the 300ms deadline", d)
	}
	half := testkit.DialRaw(t, srv.tcpAddr) // handshake without ack
	half.Send(wire.PacketHandshake, []byte(pomeloJSHandshake))
	half.Next(timeout)
	half.ExpectClosed(3 * time.Second)
}

func TestPipelinedRequestsInOrder(t *testing.T) {
	for _, network := range []string{"tcp", "kcp"} {
		t.Run(network, func(t *testing.T) {
			srv := startServer(t, server.Options{QueueSize: 128})
			c := testkit.DialRaw(t, srv.addr(network))
			c.Handshake(pomeloJSHandshake)
			var batch []byte
			for i := 1; i <= 100; i++ {
				batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: uint32(i), Route: echoRoute}, str(string(rune('a'+i%26))))
			}
			c.Write(batch)
			for i := 1; i <= 100; i++ {
				m := c.NextData(timeout)
				if m.ID != uint32(i) || m.Error {
					t.Fatalf("response %d: got %+v", i, m)
				}
			}
		})
	}
}

func (s *testServer) addr(network string) string {
	if network == "kcp" {
		return s.kcpAddr
	}
	return s.tcpAddr
}

func TestPushBeforeResponse(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("push"))
	p := c.NextData(timeout)
	if p.Type != wire.MessagePush || string(p.Route) != pushRoute || unstr(t, p.Payload) != "pushed" {
		t.Fatalf("first message %+v, want the push", p)
	}
	if r := c.NextData(timeout); r.Type != wire.MessageResponse || r.ID != 1 {
		t.Fatalf("second message %+v, want the response", r)
	}
}

func TestPanicKeepsServing(t *testing.T) {
	srv := startServer(t, server.Options{})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("panic"))
	expectError(t, c.NextData(timeout), 1, gamesrv.CodeInternal)
	echo(t, c, 2, "after panic")
	other := testkit.DialRaw(t, srv.tcpAddr)
	other.Handshake(pomeloJSHandshake)
	echo(t, other, 1, "other session")
}

// echo sends an Echo request and checks the answer.
func echo(t testing.TB, c *testkit.RawConn, id uint32, v string) {
	t.Helper()
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: id, Route: echoRoute}, str(v))
	m := c.NextData(timeout)
	if m.Type != wire.MessageResponse || m.ID != id || m.Error || unstr(t, m.Payload) != v {
		t.Fatalf("echo %q: got %+v", v, m)
	}
}
