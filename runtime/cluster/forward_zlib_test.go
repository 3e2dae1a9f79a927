package cluster_test

import (
	"bytes"
	"compress/zlib"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestForwardedCompressedPayload: a frontend inflates a compressed request
// for another server type on the session's worker (within its limits)
// before forwarding it, and answers a zip bomb GS-400 in its turn; large
// plain payloads are forwarded too.
func TestForwardedCompressedPayload(t *testing.T) {
	checkGoroutines(t)
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector"})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed()})
	converge(t, 2, gate, room)
	c := testkit.DialRaw(t, gate.addr)
	c.Handshake(`{"sys":{"type":"js-websocket","version":"0.0.1"},"user":{}}`)
	large := strings.Repeat("L", 8<<10)
	var batch []byte
	for i, m := range []struct {
		zlib    bool
		payload []byte
	}{
		{true, deflateBytes(mustMarshal(wrapperspb.String("compressed")))},
		{true, deflateBytes(make([]byte, 4<<20))}, // inflates beyond MaxInflatedSize
		{false, mustMarshal(wrapperspb.String(large))},
	} {
		batch, _ = wire.AppendDataPacket(batch, &wire.Header{Type: wire.MessageRequest, ID: uint32(i + 1), Route: echoRoute, Zlib: m.zlib}, m.payload)
	}
	c.Write(batch)
	if m := c.NextData(5 * time.Second); m.ID != 1 || m.Error || unwrap(t, m.Payload) != "compressed" {
		t.Fatalf("first answer: id %d error %v, want the echo of the inflated payload", m.ID, m.Error)
	}
	m := c.NextData(5 * time.Second)
	if m.ID != 2 || !m.Error {
		t.Fatalf("second answer: id %d error %v, want GS-400", m.ID, m.Error)
	}
	if e, err := gamesrv.DecodeErrorPayload(gamesrv.ProtobufSerializer{}, m.Payload); err != nil || e.Code() != gamesrv.CodeBadRequest {
		t.Fatalf("second answer: %v %v, want GS-400", e, err)
	}
	if m := c.NextData(5 * time.Second); m.ID != 3 || m.Error || unwrap(t, m.Payload) != large {
		t.Fatalf("third answer: id %d error %v, want the echo of the large payload", m.ID, m.Error)
	}
}

func deflateBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func unwrap(t *testing.T, b []byte) string {
	t.Helper()
	var v wrapperspb.StringValue
	if err := proto.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return v.GetValue()
}
