package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// TestFloodAnsweredThenClosed: a client that pipelines far more requests
// than the queue and its refusals hold gets an answer to every request
// the server accepted (echoes, then GS-429s), in order, and then the
// close. When the rest of its flood fits in what the transport drains on
// a close (64 KiB), the close is orderly (EOF); when the client is still
// sending, the transport may end with a reset, but after the answers.
//
// The second case needs the transports' graceful close (flush, FIN, then
// drain the input): a socket closed with unread input sends a reset at
// once and the kernel drops the answers it had not sent yet.
func TestFloodAnsweredThenClosed(t *testing.T) {
	const queueSize = 16
	tests := []struct {
		name    string
		sent    int
		wantEOF bool
	}{
		{"2,000 requests: orderly close", 2_000, true}, // 52 KB
		{"20,000 requests: answered, then closed", 20_000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, server.Options{QueueSize: queueSize})
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Handshake(pomeloJSHandshake)
			var batch []byte
			for i := uint32(1); i <= uint32(tt.sent); i++ {
				batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: i, Route: echoRoute}, str("x"))
			}
			wrote := make(chan error, 1)
			go func() {
				_ = c.Conn().SetWriteDeadline(time.Now().Add(timeout))
				_, err := c.Conn().Write(batch) // may fail once the server closed
				wrote <- err
			}()
			answered, refused, end := readAnswers(t, c)
			var ne net.Error
			if errors.As(end, &ne) && ne.Timeout() {
				t.Fatalf("the connection is still open after %d answers", answered)
			}
			if tt.wantEOF && !errors.Is(end, io.EOF) {
				t.Errorf("the connection ended with %v after %d answers, want an orderly close (EOF)", end, answered)
			}
			if answered < 2*queueSize || answered >= tt.sent || refused == 0 {
				t.Errorf("%d answers (%d GS-429) to %d requests, want at least %d (the queue and its refusals), not all", answered, refused, tt.sent, 2*queueSize)
			}
			t.Logf("%d requests sent, %d answered (%d GS-429), then %v", tt.sent, answered, refused, end)
			recv(t, wrote, "the writer to end")
			_ = c.Conn().Close() // the server may be draining until the client's EOF
			testkit.Eventually(t, timeout, func() bool { return srv.Sessions() == 0 && srv.Jobs() == 0 }, "the session to end")
		})
	}
}

// readAnswers reads the answers to requests 1, 2, ... (echoes of "x" or
// GS-429s, in order) until the connection ends, and returns how many came,
// how many were GS-429, and the error that ended the reading.
func readAnswers(t *testing.T, c *testkit.RawConn) (answered, refused int, end error) {
	t.Helper()
	for {
		typ, body, err := c.Read(timeout)
		switch {
		case err != nil:
			return answered, refused, err
		case typ == wire.PacketHeartbeat:
			continue
		case typ != wire.PacketData:
			t.Fatalf("got a %s packet after %d answers", typ, answered)
		}
		m, err := wire.DecodeMessage(body)
		if err != nil {
			t.Fatal(err)
		}
		answered++
		if m.Error {
			expectError(t, m, uint32(answered), gamesrv.CodeRateLimited)
			refused++
		} else if m.ID != uint32(answered) || unstr(t, m.Payload) != "x" {
			t.Fatalf("answer %d: got id %d, want the echo of request %d", answered, m.ID, answered)
		}
	}
}

// TestInflateLimits: compressed payloads are inflated up to
// MaxInflatedSize; a larger one (a zip bomb) is answered GS-400 in its turn
// and the connection stays open; large plain payloads decoded off the loop
// keep their turn too.
func TestInflateLimits(t *testing.T) {
	const limit = 8 << 10
	exactly := strings.Repeat("z", limit-3) // wrapped in a StringValue: 3 bytes of tag and length
	if len(str(exactly)) != limit {
		t.Fatalf("fixture: %d bytes, want %d", len(str(exactly)), limit)
	}
	tests := []struct {
		name    string
		zlib    bool
		payload []byte
		code    gamesrv.Code // "" for an echo of want
		want    string
	}{
		{"compressed", true, deflate(str("small")), "", "small"},
		{"inflates to the limit", true, deflate(str(exactly)), "", exactly},
		{"not zlib", true, []byte("not zlib"), gamesrv.CodeBadRequest, ""},
		{"truncated zlib", true, truncated(deflate(str(exactly))), gamesrv.CodeBadRequest, ""},
		{"large plain payload", false, str(strings.Repeat("p", 4<<10)), "", strings.Repeat("p", 4<<10)},
		{"large undecodable payload", false, bytes.Repeat([]byte{0xff}, 4<<10), gamesrv.CodeBadRequest, ""},
		{"one byte over the limit", true, deflate(str(exactly + "z")), gamesrv.CodeBadRequest, ""},
		{"zip bomb", true, deflate(make([]byte, 4<<20)), gamesrv.CodeBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, server.Options{MaxInflatedSize: limit})
			c := testkit.DialRaw(t, srv.tcpAddr)
			c.Handshake(pomeloJSHandshake)
			// One write: a request before, the case, a request after.
			batch, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("before"))
			batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: 2, Route: echoRoute, Zlib: tt.zlib}, tt.payload)
			batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: 3, Route: echoRoute}, str("after"))
			c.Write(batch)
			if m := c.NextData(timeout); m.ID != 1 || unstr(t, m.Payload) != "before" {
				t.Fatalf("first answer %+v, want the echo of 1", m)
			}
			m := c.NextData(timeout)
			if tt.code != "" {
				e := expectError(t, m, 2, tt.code)
				if tt.zlib && tt.name != "not zlib" && tt.name != "truncated zlib" && !strings.Contains(e.Message(), "MaxInflatedSize") {
					t.Errorf("GS-400 message %q does not name the limit", e.Message())
				}
			} else if m.ID != 2 || m.Error || unstr(t, m.Payload) != tt.want {
				t.Fatalf("second answer: id %d error %v, want the echo of 2", m.ID, m.Error)
			}
			if m := c.NextData(timeout); m.ID != 3 || m.Error || unstr(t, m.Payload) != "after" {
				t.Fatalf("third answer: id %d error %v, want the echo of 3", m.ID, m.Error)
			}
		})
	}
}

// truncated cuts the checksum and the end of a zlib stream.
func truncated(z []byte) []byte { return z[:len(z)-5] }

// TestInflateBudget: a connection inflates at most
// MaxInflatedBytesPerSecond (plus one payload); a compressed request
// beyond is answered GS-429 in its turn without inflating, a compressed
// notify is dropped, and plain requests are not affected.
func TestInflateBudget(t *testing.T) {
	// A 10 KiB/s budget: the first 60 KiB payload empties it for about 5 s.
	srv := startServer(t, server.Options{MaxInflatedSize: 64 << 10, MaxInflatedBytesPerSecond: 10 << 10})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	big := strings.Repeat("b", 60<<10)
	batch, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute, Zlib: true}, deflate(str(big)))
	batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: 2, Route: echoRoute, Zlib: true}, deflate(str("small")))
	batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageNotify, Route: sayRoute, Zlib: true}, deflate(str("dropped")))
	batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: 3, Route: echoRoute}, str("uncompressed"))
	c.Write(batch)
	if m := c.NextData(timeout); m.ID != 1 || m.Error || unstr(t, m.Payload) != big {
		t.Fatalf("first answer: id %d error %v, want the echo of 1 (the budget was full)", m.ID, m.Error)
	}
	e := expectError(t, c.NextData(timeout), 2, gamesrv.CodeRateLimited)
	if !strings.Contains(e.Message(), "inflate") {
		t.Errorf("GS-429 message %q does not say why", e.Message())
	}
	if m := c.NextData(timeout); m.ID != 3 || m.Error || unstr(t, m.Payload) != "uncompressed" {
		t.Fatalf("third answer: id %d error %v, want the echo of 3", m.ID, m.Error)
	}
	select { // the notify ran before request 3 was answered, if at all
	case v := <-srv.h.said:
		t.Errorf("a compressed notify over the budget reached its handler: %q", v)
	default:
	}
}

// TestMaxHandshakeSize: a handshake of MaxHandshakeSize bytes is accepted
// and kept compact; a larger one is answered code 400 and closed.
func TestMaxHandshakeSize(t *testing.T) {
	const limit = 1 << 10
	seen := make(chan *wire.HandshakeRequest, 1)
	srv := startServer(t, server.Options{MaxHandshakeSize: limit, HandshakeValidators: []server.HandshakeValidator{
		func(_ context.Context, s gamesrv.Session, _ *wire.HandshakeRequest) error {
			seen <- s.Handshake()
			return nil
		},
	}})
	handshake := func(size int) string { // a pretty-printed user object, padded to size
		prefix, suffix := `{"sys":{"platform":"android"},"user":{"token": "t", "pad": "`, `"},  "extra": 1}`
		return prefix + strings.Repeat("-", size-len(prefix)-len(suffix)) + suffix
	}
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(handshake(limit))
	hs := recv(t, seen, "the validator")
	if hs.Sys.Platform != "android" || !bytes.HasPrefix(hs.User, []byte(`{"token":"t","pad":"---`)) {
		t.Errorf("kept handshake %+v (user %s), want the sys fields and the compacted user object", hs.Sys, hs.User)
	}
	echo(t, c, 1, "accepted")

	big := testkit.DialRaw(t, srv.tcpAddr)
	big.Send(wire.PacketHandshake, []byte(handshake(limit+1)))
	if typ, b := big.Next(timeout); typ != wire.PacketHandshake || string(b) != `{"code":400}` {
		t.Fatalf("got %s %q, want handshake {\"code\":400}", typ, b)
	}
	big.ExpectClosed(timeout)
}

// TestMaxConnectionsPerIP: an address holds at most MaxConnectionsPerIP
// connections; the next one is kicked and closed, another address is not
// affected, and a closed connection frees its place.
func TestMaxConnectionsPerIP(t *testing.T) {
	srv := startServer(t, server.Options{MaxConnectionsPerIP: 2})
	from := func(ip string) *testkit.RawConn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: timeout}
		nc, err := d.Dial("tcp", srv.tcpAddr[len("tcp://"):])
		if err != nil {
			t.Skipf("cannot dial from %s: %v", ip, err)
		}
		return testkit.WrapRaw(t, nc)
	}
	a, b := from("127.0.0.1"), from("127.0.0.1")
	a.Handshake(pomeloJSHandshake)
	b.Handshake(pomeloJSHandshake)
	third := from("127.0.0.1")
	typ, body := third.Next(timeout)
	if typ != wire.PacketKick || string(body) != `{"reason":"too many connections from your address"}` {
		t.Fatalf("third connection got %s %q, want a kick", typ, body)
	}
	third.ExpectClosed(timeout)
	other := from("127.0.0.2")
	other.Handshake(pomeloJSHandshake)
	echo(t, other, 1, "another address")
	_ = a.Conn().Close()
	testkit.Eventually(t, timeout, func() bool { return srv.Sessions() == 2 }, "the closed connection to free its place")
	again := from("127.0.0.1")
	again.Handshake(pomeloJSHandshake)
	echo(t, again, 1, "admitted again")
}
