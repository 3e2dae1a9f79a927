package client_test

import (
	"context"
	"net"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestWebSocket speaks to a minimal WebSocket Pomelo server: one packet per
// binary message, and a ping the client must answer.
func TestWebSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- fakeWSServer(ln) }()
	defer func() {
		_ = ln.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c, err := client.Dial(context.Background(), "ws://"+ln.Addr().String()+"/", opts())
	if err != nil {
		t.Fatal(err)
	}
	resp := new(wrapperspb.StringValue)
	if err := c.Request(context.Background(), "a.b.c", wrapperspb.String("over ws"), resp); err != nil || resp.GetValue() != "over ws" {
		t.Fatalf("got %v %v", resp, err)
	}
	_ = c.Close()
}

func fakeWSServer(ln net.Listener) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := ws.Upgrade(conn); err != nil {
		return err
	}
	if _, err := wsutil.ReadClientBinary(conn); err != nil { // handshake
		return err
	}
	body, _ := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{Code: 200, Sys: &wire.HandshakeResponseSys{Heartbeat: 30, Serializer: "protobuf"}})
	hs, _ := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if err := wsutil.WriteServerBinary(conn, hs); err != nil {
		return err
	}
	if err := ws.WriteFrame(conn, ws.NewPingFrame([]byte("p"))); err != nil {
		return err
	}
	for {
		msg, op, err := wsutil.ReadClientData(conn)
		if err != nil {
			return nil // the client closed
		}
		t, body, n, err := wire.SplitPacket(msg, 0)
		if err != nil || n != len(msg) || op != ws.OpBinary {
			return err
		}
		if t != wire.PacketData {
			continue // ack, heartbeat
		}
		m, _ := wire.DecodeMessage(body)
		out, _ := wire.AppendDataPacket(nil, &wire.Header{Type: wire.MessageResponse, ID: m.ID}, m.Payload)
		if err := wsutil.WriteServerBinary(conn, out); err != nil {
			return err
		}
	}
}
