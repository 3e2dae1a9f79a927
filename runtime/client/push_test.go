package client_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// panicky is a push handler that panics on the value "boom".
type panicky struct{ ch chan string }

var panickyDesc = gamesrv.ServiceDesc{Name: "t.P", ServerType: "t", Routes: []gamesrv.Route{{
	Name: "onThing", Kind: gamesrv.KindPush,
	NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
	HandlePush: func(_ context.Context, h any, msg proto.Message) {
		v := msg.(*wrapperspb.StringValue).GetValue()
		if v == "boom" {
			panic("handler bug")
		}
		h.(*panicky).ch <- v
	},
}}}

// TestBadPushesDoNotStopTheClient: a push whose payload does not
// unmarshal is dropped and a push handler's panic is recovered; the
// pushes after them are delivered and requests still answered.
func TestBadPushesDoNotStopTheClient(t *testing.T) {
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(30, nil) {
			return
		}
		boom, _ := proto.Marshal(wrapperspb.String("boom"))
		after, _ := proto.Marshal(wrapperspb.String("after"))
		for _, p := range [][]byte{{0xff, 0xff}, boom, after} {
			s.sendMessage(&wire.Header{Type: wire.MessagePush, Route: "onThing"}, p)
		}
		echoLoop(s)
	})
	c, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := &panicky{ch: make(chan string, 3)}
	if err := c.RegisterPushHandler(&panickyDesc, p); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-p.ch:
		if got != "after" {
			t.Errorf("got push %q, want %q", got, "after")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the push after the bad ones was not delivered")
	}
	roundTrip(t, c)
	if c.Err() != nil {
		t.Errorf("the client ended: %v", c.Err())
	}
}

// TestRawPushHandler: a raw push handler set with HandleRawPush between
// New and Connect receives, from the first one on, the pushes whose route
// has no handler, with their routes resolved through the dictionary.
func TestRawPushHandler(t *testing.T) {
	addr := serve(t, pushOnConnect)
	routes := make(chan string, 4)
	c, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.HandleRawPush(func(route string, payload []byte) {
		var v wrapperspb.StringValue
		_ = proto.Unmarshal(payload, &v)
		routes <- route + "=" + v.GetValue()
	})
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 4 {
		select {
		case r := <-routes:
			got = append(got, r)
		case <-time.After(5 * time.Second):
			t.Fatalf("raw pushes: got %v", got)
		}
	}
	if want := []string{"onThing=1", "onThing=2", "onThing=3", "onOther=raw"}; !slices.Equal(got, want) {
		t.Errorf("raw pushes %v, want %v", got, want)
	}
}

// TestRouteCompression: routes in the server's dictionary are sent as
// their code, unless DisableRouteCompression is set; others as strings.
func TestRouteCompression(t *testing.T) {
	tests := []struct {
		name     string
		disable  bool
		route    string
		wantCode uint16 // 0: sent as a string
	}{
		{"in the dictionary", false, "a.b.c", 7},
		{"compression disabled", true, "a.b.c", 0},
		{"not in the dictionary", false, "x.y.z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan wire.Message, 2)
			addr := serve(t, func(s *fakeServer) {
				if !s.accept(30, map[string]uint16{"a.b.c": 7}) {
					return
				}
				for range 2 {
					m, ok := s.nextData()
					if !ok {
						return
					}
					m.Route, m.Payload = append([]byte(nil), m.Route...), append([]byte(nil), m.Payload...)
					got <- m
					if m.Type == wire.MessageRequest {
						s.sendMessage(&wire.Header{Type: wire.MessageResponse, ID: m.ID}, nil)
					}
				}
				s.drain()
			})
			o := opts()
			o.DisableRouteCompression = tt.disable
			c, err := client.Dial(context.Background(), addr, o)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Notify(context.Background(), tt.route, wrapperspb.String("n")); err != nil {
				t.Fatal(err)
			}
			if err := c.Request(context.Background(), tt.route, wrapperspb.String("r"), new(wrapperspb.StringValue)); err != nil {
				t.Fatal(err)
			}
			for _, kind := range []wire.MessageType{wire.MessageNotify, wire.MessageRequest} {
				m := <-got
				if m.Type != kind {
					t.Errorf("got a %s, want a %s", m.Type, kind)
				}
				switch {
				case tt.wantCode != 0 && (!m.Compressed || m.Code != tt.wantCode):
					t.Errorf("%s: route %q code %d compressed %v, want code %d", kind, m.Route, m.Code, m.Compressed, tt.wantCode)
				case tt.wantCode == 0 && (m.Compressed || string(m.Route) != tt.route):
					t.Errorf("%s: route %q compressed %v, want the string %q", kind, m.Route, m.Compressed, tt.route)
				}
			}
		})
	}
}

// TestClientSendsHeartbeats: a connected client sends a Heartbeat packet
// every interval the server announced, without traffic of its own.
func TestClientSendsHeartbeats(t *testing.T) {
	beats := make(chan time.Time, 4)
	addr := serve(t, func(s *fakeServer) {
		if !s.accept(1, nil) {
			return
		}
		for {
			typ, _, err := s.read()
			if err != nil {
				return
			}
			if typ == wire.PacketHeartbeat {
				select {
				case beats <- time.Now():
				default:
				}
			}
		}
	})
	c := dial(t, addr)
	for i := range 2 {
		select {
		case <-beats:
		case <-time.After(5 * time.Second):
			t.Fatalf("heartbeat %d not sent within 5 s at a 1 s interval", i+1)
		}
	}
	if c.Err() != nil {
		t.Errorf("client ended: %v", c.Err())
	}
}
