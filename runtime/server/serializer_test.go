package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// jsonEqual reports whether a and b are the same JSON value.
func jsonEqual(t testing.TB, a []byte, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Errorf("%q is not JSON: %v", a, err)
		return false
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("bad expectation %q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestJSONSerializer drives a JSON server the way a Pomelo JS client does:
// every payload it receives, answers, pushes and errors included, is JSON
// (JSON.parse must not throw), and every payload it sends is JSON.
func TestJSONSerializer(t *testing.T) {
	srv := startServer(t, server.Options{Serializer: gamesrv.JSONSerializer{}})
	c := testkit.DialRaw(t, srv.tcpAddr)
	if resp := c.Handshake(pomeloJSHandshake); resp.Sys.Serializer != "json" {
		t.Fatalf("serializer %q", resp.Sys.Serializer)
	}
	tests := []struct {
		name    string
		route   string
		payload string
		want    string // the JSON payload of the response
		isError bool
	}{
		{"request", echoRoute, `"hello"`, `"hello"`, false},
		{"empty payload is the empty message", echoRoute, ``, `""`, false},
		{"application error", echoRoute, `"error"`, `{"code":"APP-1","msg":"app failure","metadata":{"k":"v"}}`, true},
		{"not JSON", echoRoute, "\x0a\x01A", `{"code":"GS-400","msg":"payload does not unmarshal into google.protobuf.StringValue"}`, true},
		{"unknown route", "x.y.z", `{}`, `{"code":"GS-404","msg":"no handler for route x.y.z"}`, true},
		{"panic", echoRoute, `"panic"`, `{"code":"GS-500","msg":"internal error"}`, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := uint32(i + 1)
			c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: id, Route: tt.route}, []byte(tt.payload))
			m := c.NextData(timeout)
			if m.ID != id || m.Error != tt.isError {
				t.Fatalf("got %+v, want the answer to %d (error %v)", m, id, tt.isError)
			}
			if tt.isError {
				// Only the code is fixed for framework errors: compare it, and
				// that the payload is an object with a string msg.
				var e struct{ Code, Msg string }
				var want struct{ Code string }
				_ = json.Unmarshal([]byte(tt.want), &want)
				if err := json.Unmarshal(m.Payload, &e); err != nil || e.Code != want.Code || e.Msg == "" {
					t.Errorf("error payload %q, want code %s", m.Payload, want.Code)
				}
				if tt.name == "application error" && !jsonEqual(t, m.Payload, tt.want) {
					t.Errorf("got %s, want %s", m.Payload, tt.want)
				}
				return
			}
			if !jsonEqual(t, m.Payload, tt.want) {
				t.Errorf("got %q, want %s", m.Payload, tt.want)
			}
		})
	}
	t.Run("push before its response", func(t *testing.T) {
		c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 100, Route: echoRoute}, []byte(`"push"`))
		if m := c.NextData(timeout); m.Type != wire.MessagePush || string(m.Route) != pushRoute || !jsonEqual(t, m.Payload, `"pushed"`) {
			t.Errorf("got %+v, want the JSON push", m)
		}
		if m := c.NextData(timeout); m.ID != 100 || !jsonEqual(t, m.Payload, `"push"`) {
			t.Errorf("got %+v, want the response", m)
		}
	})
	t.Run("notify", func(t *testing.T) {
		c.SendMessage(&wire.Header{Type: wire.MessageNotify, Route: sayRoute}, []byte(`"said"`))
		if v := recv(t, srv.h.said, "the notify"); v != "said" {
			t.Errorf("handler got %q", v)
		}
	})
}

// TestJSONGroupBroadcast: a broadcast of a JSON server is encoded once, in
// JSON, and the same bytes reach every member.
func TestJSONGroupBroadcast(t *testing.T) {
	srv := startServer(t, server.Options{Serializer: gamesrv.JSONSerializer{}})
	var conns []*testkit.RawConn
	for i := range 5 {
		c := testkit.DialRaw(t, srv.tcpAddr)
		c.Handshake(pomeloJSHandshake)
		uid := "p" + string(rune('a'+i))
		c.SendMessage(&wire.Header{Type: wire.MessageRequest, ID: 1, Route: echoRoute}, []byte(`"bind:`+uid+`"`))
		if m := c.NextData(timeout); m.Error {
			t.Fatalf("bind: %q", m.Payload)
		}
		s, _ := srv.SessionByUID(uid)
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
		t.Errorf("a broadcast to 5 members encoded %d packets, want 1", n)
	}
	var first []byte
	for _, c := range conns {
		m := c.NextData(timeout)
		if m.Type != wire.MessagePush || !jsonEqual(t, m.Payload, `"once"`) {
			t.Errorf("got %+v", m)
		}
		if first == nil {
			first = m.Payload
		} else if !bytes.Equal(first, m.Payload) {
			t.Errorf("members got different bytes: %q and %q", first, m.Payload)
		}
	}
}
