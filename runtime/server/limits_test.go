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
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestMaxConnections(t *testing.T) {
	srv := startServer(t, server.Options{MaxConnections: 2})
	a, b := testkit.DialRaw(t, srv.tcpAddr), testkit.DialRaw(t, srv.tcpAddr)
	a.Handshake(pomeloJSHandshake)
	b.Handshake(pomeloJSHandshake)
	third := testkit.DialRaw(t, srv.tcpAddr)
	typ, body := third.Next(timeout)
	if typ != wire.PacketKick || string(body) != `{"reason":"server full"}` {
		t.Fatalf("third connection got %s %q, want a kick", typ, body)
	}
	third.ExpectClosed(timeout)
	_ = a.Conn().Close()
	testkit.Eventually(t, timeout, func() bool { return srv.Sessions() == 1 }, "the closed connection to free its place")
	fourth := testkit.DialRaw(t, srv.tcpAddr)
	fourth.Handshake(pomeloJSHandshake)
	echo(t, fourth, 1, "admitted again")
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
		got := map[uint32]bool{}
		for range 5 {
			m := c.NextData(timeout)
			got[m.ID] = m.Error
			if m.Error {
				if e, _ := gamesrv.DecodeErrorPayload(gamesrv.ProtobufSerializer{}, m.Payload); e.Code() != gamesrv.CodeRateLimited {
					t.Errorf("request %d: %v", m.ID, e)
				}
			}
		}
		for id, isErr := range got {
			if isErr != (id > 3) {
				t.Errorf("request %d: error %v, want the burst of 3 to pass and the rest to get GS-429", id, isErr)
			}
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
	before := srv.Stats().PushEncodes
	if err := srv.Group("all").Broadcast(context.Background(), pushRoute, wrapperspb.String("once")); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().PushEncodes - before; n != 1 {
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
	if infos := srv.SessionInfos(0); len(infos) != 1 || infos[0].Network != "tls" {
		t.Errorf("sessions %+v", infos)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := client.Dial(ctx, "tls://"+l.Addr().String(), client.Options{Logger: quietLogger(t)}); err == nil {
		t.Error("a client that does not trust the server's certificate connected")
	}
}
