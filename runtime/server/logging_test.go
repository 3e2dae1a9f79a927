package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// logCapture is a JSON slog handler's output, safe for concurrent writes.
type logCapture struct{ testkit.SyncBuffer }

func (c *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// find returns the first record with message msg, or nil.
func (c *logCapture) find(msg string) map[string]any {
	for _, line := range strings.Split(c.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// await waits for a record with message msg.
func (c *logCapture) await(t *testing.T, msg string) map[string]any {
	t.Helper()
	var rec map[string]any
	testkit.Eventually(t, timeout, func() bool { rec = c.find(msg); return rec != nil }, "a log record "+msg)
	return rec
}

func TestProtocolViolationsLogged(t *testing.T) {
	tests := []struct {
		name   string
		send   func(c *testkit.RawConn)
		reason string
	}{
		{"invalid packet type", func(c *testkit.RawConn) { c.Write([]byte{9, 0, 0, 0}) }, "invalid packet type"},
		{"oversized length", func(c *testkit.RawConn) {
			c.Handshake(pomeloJSHandshake)
			c.Write([]byte{byte(wire.PacketData), 0xff, 0xff, 0xff})
		}, "packet body too large"},
		{"data before ack", func(c *testkit.RawConn) {
			c.Send(wire.PacketHandshake, []byte(pomeloJSHandshake))
			c.Next(timeout)
			c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, str("x"))
		}, "data before handshake ack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logCapture
			srv := startServer(t, server.Options{Logger: logs.logger()})
			c := testkit.DialRaw(t, srv.tcpAddr)
			tt.send(c)
			c.ExpectClosed(timeout)
			rec := logs.await(t, "protocol violation: connection closed")
			if reason, _ := rec["reason"].(string); !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", reason, tt.reason)
			}
			if _, ok := rec["session"]; !ok {
				t.Errorf("record %v has no session", rec)
			}
		})
	}
}

func TestRequestLogCarriesSessionUIDAndRoute(t *testing.T) {
	var logs logCapture
	srv := startServer(t, server.Options{Logger: logs.logger(), LogRequests: true})
	ctx := context.Background()
	c, err := client.Dial(ctx, srv.tcpAddr, client.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var resp wrapperspb.StringValue
	if err := c.Request(ctx, echoRoute, wrapperspb.String("bind:ann"), &resp); err != nil {
		t.Fatal(err)
	}
	if err := c.Request(ctx, echoRoute, wrapperspb.String("panic"), &resp); err == nil {
		t.Fatal("a panicking handler answered without an error")
	}
	handled := logs.await(t, "handled")
	for k, want := range map[string]any{"route": echoRoute, "kind": "request", "code": "OK"} {
		if handled[k] != want {
			t.Errorf("handled record %s = %v, want %v (%v)", k, handled[k], want, handled)
		}
	}
	if _, ok := handled["session"]; !ok {
		t.Errorf("handled record has no session: %v", handled)
	}
	panicked := logs.await(t, "handler panicked")
	if panicked["uid"] != "ann" || panicked["route"] != echoRoute {
		t.Errorf("panic record %v, want uid ann and route %s", panicked, echoRoute)
	}
	if stack, _ := panicked["stack"].(string); !strings.Contains(stack, "goroutine") {
		t.Errorf("panic record has no stack: %v", panicked)
	}
}
