package gamesrv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestNewCallOptions: options apply in order; a key without a policy
// selects sticky selection, and an explicit policy wins whatever its place.
func TestNewCallOptions(t *testing.T) {
	router := func(context.Context, string, string, []gamesrv.ServerInfo) (string, error) { return "r", nil }
	tests := []struct {
		name   string
		opts   []gamesrv.CallOption
		server string
		key    string
		policy gamesrv.Policy
		router bool
	}{
		{name: "none"},
		{name: "to a server", opts: []gamesrv.CallOption{gamesrv.ToServer("room-1")}, server: "room-1"},
		{name: "the last server wins", opts: []gamesrv.CallOption{gamesrv.ToServer("a"), gamesrv.ToServer("b")}, server: "b"},
		{name: "a key is sticky", opts: []gamesrv.CallOption{gamesrv.WithKey("p9")}, key: "p9", policy: gamesrv.PolicySticky},
		{name: "a policy then a key", opts: []gamesrv.CallOption{gamesrv.WithPolicy(gamesrv.PolicyRandom), gamesrv.WithKey("p9")},
			key: "p9", policy: gamesrv.PolicyRandom},
		{name: "a key then a policy", opts: []gamesrv.CallOption{gamesrv.WithKey("p9"), gamesrv.WithPolicy(gamesrv.PolicyRoundRobin)},
			key: "p9", policy: gamesrv.PolicyRoundRobin},
		{name: "weighted", opts: []gamesrv.CallOption{gamesrv.WithPolicy(gamesrv.PolicyWeighted)}, policy: gamesrv.PolicyWeighted},
		{name: "a router", opts: []gamesrv.CallOption{gamesrv.WithRouter(router)}, router: true},
		{name: "everything", opts: []gamesrv.CallOption{gamesrv.ToServer("s"), gamesrv.WithKey("k"), gamesrv.WithRouter(router)},
			server: "s", key: "k", policy: gamesrv.PolicySticky, router: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := gamesrv.NewCallOptions(tt.opts...)
			if o.ServerID != tt.server || o.Key != tt.key || o.Policy != tt.policy || (o.Router != nil) != tt.router {
				t.Errorf("got %+v (router set %v)", o, o.Router != nil)
			}
		})
	}
}

func TestPolicyString(t *testing.T) {
	for p, want := range map[gamesrv.Policy]string{
		gamesrv.PolicyDefault: "default", gamesrv.PolicyRandom: "random", gamesrv.PolicyRoundRobin: "round-robin",
		gamesrv.PolicyWeighted: "weighted", gamesrv.PolicySticky: "sticky", 42: "unknown",
	} {
		if p.String() != want {
			t.Errorf("Policy(%d).String() = %q, want %q", p, p.String(), want)
		}
	}
}

// TestRepliesTyping: a reply carries its response only when it is of the
// stub's type and the call succeeded.
func TestRepliesTyping(t *testing.T) {
	boom := errors.New("boom")
	got := gamesrv.Replies[*wrapperspb.StringValue]([]gamesrv.Result{
		{ServerID: "ok", Response: wrapperspb.String("v")},
		{ServerID: "wrong type", Response: wrapperspb.Int32(1)},
		{ServerID: "failed with a response", Response: wrapperspb.String("partial"), Err: boom},
		{ServerID: "nil response"},
	})
	if len(got) != 4 {
		t.Fatalf("%d replies for 4 results", len(got))
	}
	if got[0].ServerID != "ok" || got[0].Response.GetValue() != "v" || got[0].Err != nil {
		t.Errorf("ok: %+v", got[0])
	}
	if got[1].Response != nil || got[1].Err != nil {
		t.Errorf("wrong type: %+v", got[1])
	}
	if got[2].Response != nil || !errors.Is(got[2].Err, boom) {
		t.Errorf("failed: %+v", got[2])
	}
	if got[3].Response != nil || got[3].ServerID != "nil response" {
		t.Errorf("nil response: %+v", got[3])
	}
	if r := gamesrv.Replies[*wrapperspb.StringValue](nil); r == nil || len(r) != 0 {
		t.Errorf("no results: %#v, want an empty slice", r)
	}
}

// TestServerKey: the pin of a server type is a string key named after it,
// which the cluster reads from the session data.
func TestServerKey(t *testing.T) {
	s := &mapSession{data: map[string]string{}}
	k := gamesrv.ServerKey("room")
	k.Set(s, "room-2")
	if k.Name() != "gamesrv.server.room" || s.data["gamesrv.server.room"] != "room-2" {
		t.Errorf("key %q, data %v", k.Name(), s.data)
	}
	if _, ok := gamesrv.ServerKey("chat").Get(s); ok {
		t.Error("another type's pin is set")
	}
}
