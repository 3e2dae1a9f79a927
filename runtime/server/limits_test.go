package server_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestMaxConnections(t *testing.T) {
	tests := []struct {
		name      string
		emptyKick bool
		want      string // the kick body
	}{
		{"JSON reason by default", false, `{"reason":"server full"}`},
		{"empty with EmptyKick", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, server.Options{MaxConnections: 2, EmptyKick: tt.emptyKick})
			a, b := testkit.DialRaw(t, srv.tcpAddr), testkit.DialRaw(t, srv.tcpAddr)
			a.Handshake(pomeloJSHandshake)
			b.Handshake(pomeloJSHandshake)
			third := testkit.DialRaw(t, srv.tcpAddr)
			typ, body := third.Next(timeout)
			if typ != wire.PacketKick || string(body) != tt.want {
				t.Fatalf("third connection got %s %q, want a kick %q", typ, body, tt.want)
			}
			third.ExpectClosed(timeout)
			_ = a.Conn().Close()
			testkit.Eventually(t, timeout, func() bool { return srv.Sessions() == 1 }, "the closed connection to free its place")
			fourth := testkit.DialRaw(t, srv.tcpAddr)
			fourth.Handshake(pomeloJSHandshake)
			echo(t, fourth, 1, "admitted again")
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Run("GS-429", func(t *testing.T) {
		srv := startServer(t, server.Options{RateLimit: server.RateLimit{Rate: 1, Burst: 3}})
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		var batch []byte
		for i := uint32(1); i <= 5; i++ {
			batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: i, Route: echoRoute}, str("x"))
		}
		c.Write(batch)
		for id := uint32(1); id <= 5; id++ { // in arrival order
			m := c.NextData(timeout)
			if id > 3 {
				expectError(t, m, id, gamesrv.CodeRateLimited)
			} else if m.ID != id || m.Error {
				t.Fatalf("got %+v, want the answer to %d (the burst of 3 passes)", m, id)
			}
		}
	})
	t.Run("notify dropped", func(t *testing.T) {
		// Half a token comes back per 100 ms tick of the server's clock:
		// the third message of one write finds the bucket empty.
		srv := startServer(t, server.Options{RateLimit: server.RateLimit{Rate: 5, Burst: 2}})
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		batch, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("first"))
		batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageNotify, Route: sayRoute}, str("said"))
		batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageNotify, Route: sayRoute}, str("dropped"))
		c.Write(batch)
		if m := c.NextData(timeout); m.ID != 1 || m.Error {
			t.Fatalf("got %+v, want the answer to 1", m)
		}
		if v := recv(t, srv.h.said, "the notify within the burst"); v != "said" {
			t.Fatalf("handler saw %q", v)
		}
		id := uint32(2) // a later request passes once the bucket has a token
		testkit.Eventually(t, 5*time.Second, func() bool {
			c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: id, Route: echoRoute}, str("later"))
			m := c.NextData(timeout)
			if m.ID != id {
				t.Fatalf("got %+v, want the answer to %d", m, id)
			}
			id++
			if m.Error {
				expectError(t, m, id-1, gamesrv.CodeRateLimited)
				return false
			}
			return unstr(t, m.Payload) == "later"
		}, "a token for a later request")
		select { // the later request ran after anything the notify could have queued
		case v := <-srv.h.said:
			t.Errorf("the handler saw a notify over the rate limit: %q", v)
		default:
		}
	})
	t.Run("disconnect", func(t *testing.T) {
		srv := startServer(t, server.Options{RateLimit: server.RateLimit{Rate: 1, Burst: 1, Disconnect: true}})
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		var batch []byte
		for i := uint32(1); i <= 3; i++ {
			batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: i, Route: echoRoute}, str("x"))
		}
		c.Write(batch)
		c.ExpectClosed(timeout)
	})
}

func TestOutboundCompression(t *testing.T) {
	srv := startServer(t, server.Options{Compression: server.Compression{Threshold: 100}})
	c := testkit.DialRaw(t, srv.tcpAddr)
	c.Handshake(pomeloJSHandshake)
	long := strings.Repeat("compressible ", 100)
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str(long))
	m := c.NextData(timeout)
	if !m.Zlib || len(m.Payload) >= len(str(long)) {
		t.Fatalf("large response not compressed: flag %v, %d bytes", m.Zlib, len(m.Payload))
	}
	zr, err := zlib.NewReader(bytes.NewReader(m.Payload))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if unstr(t, plain) != long {
		t.Error("the inflated payload differs")
	}
	c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 2, Route: echoRoute}, str("short"))
	if m := c.NextData(timeout); m.Zlib {
		t.Error("a payload under the threshold was compressed")
	}
	gc, err := client.Dial(context.Background(), srv.tcpAddr, client.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer gc.Close()
	resp := new(wrapperspb.StringValue)
	if err := gc.Request(context.Background(), echoRoute, wrapperspb.String(long), resp); err != nil || resp.GetValue() != long {
		t.Errorf("the Go client did not inflate: %v", err)
	}
}

func TestGroupBroadcastEncodesOnce(t *testing.T) {
	srv := startServer(t, server.Options{})
	var conns []*testkit.RawConn
	for i := range 20 {
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		echo(t, c, 1, "bind:p"+string(rune('a'+i)))
		s, _ := srv.SessionByUID("p" + string(rune('a'+i)))
		if err := srv.Group("all").Add(s); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	before := serverhost.Of(srv.Internal).Stats().PushEncodes
	if err := srv.Group("all").Broadcast(context.Background(), pushRoute, wrapperspb.String("once")); err != nil {
		t.Fatal(err)
	}
	if n := serverhost.Of(srv.Internal).Stats().PushEncodes - before; n != 1 {
		t.Errorf("a broadcast to 20 members encoded %d packets, want 1", n)
	}
	for _, c := range conns {
		if m := c.NextData(timeout); unstr(t, m.Payload) != "once" {
			t.Errorf("got %+v", m)
		}
	}
}

func TestTLS(t *testing.T) {
	serverTLS, clientTLS := testkit.TLSConfigs(t)
	srv, err := server.New(server.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&echoDesc, newEchoHandler()); err != nil {
		t.Fatal(err)
	}
	l := stdnet.New("127.0.0.1:0", stdnet.Options{TLS: serverTLS})
	if err := srv.Start(l); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	c, err := client.Dial(context.Background(), "tls://"+l.Addr().String(), client.Options{TLS: clientTLS, Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp := new(wrapperspb.StringValue)
	if err := c.Request(context.Background(), echoRoute, wrapperspb.String("over tls"), resp); err != nil || resp.GetValue() != "over tls" {
		t.Fatalf("got %v %v", resp, err)
	}
	if infos := serverhost.Of(srv.Internal).SessionInfos(0); len(infos) != 1 || infos[0].Network != "tls" {
		t.Errorf("sessions %+v", infos)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := client.Dial(ctx, "tls://"+l.Addr().String(), client.Options{Logger: quietLogger(t)}); err == nil {
		t.Error("a client that does not trust the server's certificate connected")
	}
}
