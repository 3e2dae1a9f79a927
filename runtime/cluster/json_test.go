package cluster_test

import (
	"context"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestForwardJSON: in a cluster of JSON servers, requests and notifies
// forwarded by the connector are decoded and answered in JSON by the room
// server, its errors reach the client as JSON error payloads, and its
// pushes and group broadcasts (encoded once, by the room server) are JSON.
func TestForwardJSON(t *testing.T) {
	checkGoroutines(t)
	ser := gamesrv.JSONSerializer{}
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", ser: ser})
	room := startNode(t, nodeConfig{id: "room", typ: "room", seeds: gate.seed(), ser: ser})
	converge(t, 2, gate, room)
	c := dial(t, gate)
	if c.Serializer().Name() != gamesrv.SerializerJSON {
		t.Fatalf("the connector announced %q", c.Serializer().Name())
	}
	ctx := context.Background()
	raw := make(chan string, 16)
	c.HandleRawPush(func(route string, payload []byte) { raw <- route + " " + string(payload) })

	if out, err := c.RequestRaw(ctx, echoRoute, []byte(`"through the gate"`)); err != nil || string(out) != `"through the gate"` {
		t.Fatalf("forwarded echo: %q %v", out, err)
	}
	if v, err := echo(ctx, c, "push:x"); err != nil || v != "pushed" {
		t.Fatalf("push: %q %v", v, err)
	}
	if p := recv(t, raw); p != pushRoute+` "x"` {
		t.Errorf("backend push %q, want JSON", p)
	}
	mustOK(t, c.NotifyRaw(ctx, noteRoute, []byte(`"a note"`)))
	if got := <-room.room.notes; got != "a note" {
		t.Errorf("note %q", got)
	}
	mustOK(t, errOf(echo(ctx, c, "join")))
	mustOK(t, room.srv.Group("g").Broadcast(ctx, pushRoute, wrapperspb.String("all")))
	if p := recv(t, raw); p != pushRoute+` "all"` {
		t.Errorf("backend broadcast %q, want JSON", p)
	}

	// Errors made by the room server travel back as codes and are encoded
	// by the connector in JSON (the client decodes error payloads with the
	// announced serializer: a code back means the payload was JSON): a
	// payload that is not JSON, a request to a notify route, an unknown
	// route.
	for _, tt := range []struct {
		route, payload string
		want           gamesrv.Code
	}{
		{echoRoute, "\x0a\x01A", gamesrv.CodeBadRequest},
		{noteRoute, `"x"`, gamesrv.CodeBadRequest},
		{"room.room.nope", `{}`, gamesrv.CodeNotFound},
	} {
		_, err := c.RequestRaw(ctx, tt.route, []byte(tt.payload))
		if gamesrv.CodeOf(err) != tt.want {
			t.Errorf("%s %q: %v, want %s", tt.route, tt.payload, err, tt.want)
		}
	}
}
