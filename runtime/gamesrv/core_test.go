package gamesrv_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// mapSession is a fake session holding only data.
type mapSession struct {
	gamesrv.Session
	data map[string]string
}

func (s *mapSession) Get(k string) (string, bool) { v, ok := s.data[k]; return v, ok }
func (s *mapSession) Set(k, v string)             { s.data[k] = v }
func (s *mapSession) Delete(k string)             { delete(s.data, k) }

func TestKeys(t *testing.T) {
	s := &mapSession{data: map[string]string{}}
	level, name, vip := gamesrv.Int64Key("level"), gamesrv.StringKey("name"), gamesrv.BoolKey("vip")
	level.Set(s, 42)
	name.Set(s, "ann")
	vip.Set(s, true)
	if v, ok := level.Get(s); !ok || v != 42 {
		t.Errorf("level %v %v", v, ok)
	}
	if v, _ := name.Get(s); v != "ann" {
		t.Errorf("name %q", v)
	}
	if v, _ := vip.Get(s); !v {
		t.Error("vip")
	}
	s.Set("level", "not a number")
	if _, ok := level.Get(s); ok {
		t.Error("an undecodable value reads as absent")
	}
	level.Delete(s)
	if _, ok := level.Get(s); ok || level.Name() != "level" {
		t.Error("delete")
	}
}

func TestReplies(t *testing.T) {
	boom := errors.New("boom")
	got := gamesrv.Replies[*wrapperspb.Int32Value]([]gamesrv.Result{
		{ServerID: "a", Response: wrapperspb.Int32(1)},
		{ServerID: "b", Err: boom},
	})
	if got[0].Response.GetValue() != 1 || got[1].Err != boom || got[1].Response != nil || got[1].ServerID != "b" {
		t.Errorf("got %+v", got)
	}
}

func TestCallOptions(t *testing.T) {
	o := gamesrv.NewCallOptions(gamesrv.ToServer("room-1"), gamesrv.WithKey("player-9"))
	if o.ServerID != "room-1" || o.Key != "player-9" {
		t.Errorf("got %+v", o)
	}
}

func TestPushTargets(t *testing.T) {
	if gamesrv.ToGroup("g").Group() != "g" || len(gamesrv.ToUIDs("a", "b").UIDs()) != 2 || gamesrv.ToSession(nil).Session() != nil {
		t.Error("targets")
	}
}

func TestSerializers(t *testing.T) {
	for _, name := range []string{"protobuf", "json", ""} {
		ser, err := gamesrv.SerializerByName(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ser.AppendMarshal([]byte("prefix"), wrapperspb.String("v"))
		if err != nil {
			t.Fatal(err)
		}
		var out wrapperspb.StringValue
		if err := ser.Unmarshal(b[len("prefix"):], &out); err != nil || !proto.Equal(&out, wrapperspb.String("v")) {
			t.Errorf("%s round trip: %v %v", name, &out, err)
		}
	}
	if _, err := gamesrv.SerializerByName("xml"); err == nil {
		t.Error("unknown serializer accepted")
	}
}

func TestRouteKindString(t *testing.T) {
	for k, want := range map[gamesrv.RouteKind]string{gamesrv.KindRequest: "request", gamesrv.KindNotify: "notify", gamesrv.KindPush: "push", 0: "unknown"} {
		if k.String() != want {
			t.Errorf("%d: %q", k, k.String())
		}
	}
}

// TestPushTargetsDesignateOneKind: each target sets exactly its own
// field.
func TestPushTargetsDesignateOneKind(t *testing.T) {
	s := &mapSession{}
	tests := []struct {
		name    string
		target  gamesrv.PushTarget
		session gamesrv.Session
		group   string
		uids    []string
	}{
		{"session", gamesrv.ToSession(s), s, "", nil},
		{"group", gamesrv.ToGroup("lobby"), nil, "lobby", nil},
		{"uids", gamesrv.ToUIDs("ann", "bob"), nil, "", []string{"ann", "bob"}},
		{"no uids", gamesrv.ToUIDs(), nil, "", nil},
	}
	for _, tt := range tests {
		tg := tt.target
		if tg.Session() != tt.session || tg.Group() != tt.group || !slices.Equal(tg.UIDs(), tt.uids) {
			t.Errorf("%s: session %v group %q uids %v", tt.name, tg.Session(), tg.Group(), tg.UIDs())
		}
	}
}
