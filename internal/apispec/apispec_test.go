package apispec_test

import (
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

// gameSources has one service of every shape; other.proto has no service.
var gameSources = map[string]string{
	"game/v1/game.proto": `syntax = "proto3";
package game.v1;
import "gamesrv/v1/options.proto";
import "game/v1/other.proto";

// RoomService runs rooms.
// buf:lint:ignore SERVICE_SUFFIX
service RoomService {
  option (gamesrv.v1.service) = {server_type: "room", name: "room"};
  // Join enters a room.
  rpc Join(game.v1.Empty) returns (game.v1.Empty);
  rpc GetMembers(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {name: "getMembers"};
    option deprecated = true;
  }
  rpc Say(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY, route: "room.chat.say"};
  }
  rpc OnMessage(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onMessage"};
  }
  rpc OnLeft(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH};
  }
  rpc Count(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {internal: true};
  }
  rpc Reset(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY, internal: true};
  }
}

service StatsService {
  option deprecated = true;
  option (gamesrv.v1.service) = {server_type: "stats"};
  rpc Record(game.v1.Empty) returns (game.v1.Empty) {
    option (gamesrv.v1.method) = {kind: METHOD_KIND_REQUEST, internal: true};
  }
}
`,
	"game/v1/other.proto": `syntax = "proto3";
package game.v1;
message Empty {}
`,
}

func parse(t *testing.T, srcs map[string]string, files ...string) ([]*apispec.File, error) {
	t.Helper()
	return parseWith(t, apispec.Options{}, srcs, files...)
}

func parseWith(t *testing.T, opts apispec.Options, srcs map[string]string, files ...string) ([]*apispec.File, error) {
	t.Helper()
	req := apispectest.NewRequest(t, apispectest.Compile(t, apispectest.Resolver(srcs), files...), "")
	return apispec.Parse(apispectest.FilesToGenerate(t, req), opts)
}

func TestParse(t *testing.T) {
	files, err := parse(t, gameSources, "game/v1/other.proto", "game/v1/game.proto")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Desc.Path() != "game/v1/game.proto" || len(files[0].Services) != 2 {
		t.Fatalf("Parse returned %d files, want game/v1/game.proto alone with 2 services", len(files))
	}
	type method struct {
		name                                     string
		kind                                     apispec.Kind
		internal, deprecated                     bool
		route                                    string
		handled, callable, pushed, clientVisible bool
	}
	want := map[string][]method{
		"game.v1.RoomService": {
			{"Join", apispec.Request, false, false, "room.room.join", true, true, false, true},
			{"GetMembers", apispec.Request, false, true, "room.room.getMembers", true, true, false, true},
			{"Say", apispec.Notify, false, false, "room.chat.say", true, true, false, true},
			{"OnMessage", apispec.Push, false, false, "onMessage", false, false, true, true},
			{"OnLeft", apispec.Push, false, false, "room.room.onleft", false, false, true, true},
			{"Count", apispec.Request, true, false, "room.room.count", true, false, false, false},
			{"Reset", apispec.Notify, true, false, "room.room.reset", true, false, false, false},
		},
		"game.v1.StatsService": {
			{"Record", apispec.Request, true, false, "stats.statsservice.record", true, false, false, false},
		},
	}
	serverTypes := map[string]string{"game.v1.RoomService": "room", "game.v1.StatsService": "stats"}
	for _, s := range files[0].Services {
		name := string(s.Desc.FullName())
		if s.ServerType != serverTypes[name] || s.Deprecated != (name == "game.v1.StatsService") {
			t.Errorf("%s: server type %q, deprecated %v", name, s.ServerType, s.Deprecated)
		}
		if len(s.Methods) != len(want[name]) {
			t.Fatalf("%s: %d methods, want %d", name, len(s.Methods), len(want[name]))
		}
		for i, m := range s.Methods {
			got := method{
				string(m.Desc.Name()), m.Kind, m.Internal, m.Deprecated, m.Route,
				m.Handled(), m.ClientCallable(), m.Pushed(), m.ClientVisible(),
			}
			if got != want[name][i] {
				t.Errorf("%s method %d:\n got %+v\nwant %+v", name, i, got, want[name][i])
			}
		}
	}
	room := files[0].Services[0]
	if !room.Has((*apispec.Method).Pushed) || files[0].Services[1].Has((*apispec.Method).ClientVisible) {
		t.Error("Has: RoomService has pushes and StatsService has nothing client-visible")
	}
}

func TestLeadingComments(t *testing.T) {
	files, err := parse(t, gameSources, "game/v1/game.proto")
	if err != nil {
		t.Fatal(err)
	}
	room := files[0].Services[0]
	if got, want := apispec.LeadingComments(room.Desc), " RoomService runs rooms.\n"; got != want {
		t.Errorf("service comments = %q, want %q (without the buf:lint directive)", got, want)
	}
	if got, want := apispec.LeadingComments(room.Methods[0].Desc), " Join enters a room.\n"; got != want {
		t.Errorf("method comments = %q, want %q", got, want)
	}
	if got := apispec.LeadingComments(room.Methods[1].Desc); got != "" {
		t.Errorf("comments of an undocumented method = %q, want none", got)
	}
}

func TestWithoutDirectives(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" a\n b\n", " a\n b\n"},
		{" a\n buf:lint:ignore RPC_REQUEST_STANDARD_NAME\n b\n", " a\n b\n"},
		{"  buf:lint:ignore X", ""},
		{" not buf:lint: here\n", " not buf:lint: here\n"},
		{" a\ngo:generate stringer -type K\n b\n", " a\n b\n"},
		{" go:generate x\n\tgo:generate y\n", ""},
		{" run go:generate here\n", " run go:generate here\n"},
		{" go:build ignore\n", " go:build ignore\n"},
	}
	for _, tt := range tests {
		if got := apispec.WithoutDirectives(tt.in); got != tt.want {
			t.Errorf("WithoutDirectives(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[apispec.Kind]string{apispec.Request: "request", apispec.Notify: "notify", apispec.Push: "push", 7: "kind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

// TestErrors runs the error table every generator shares through Parse
// itself: the generators must return these errors because Parse does.
func TestErrors(t *testing.T) {
	apispectest.CheckErrors(t, apispectest.ErrorCases(), func(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
		resp := new(pluginpb.CodeGeneratorResponse)
		opts := apispec.Options{Strict: req.GetParameter() == apispectest.StrictParameter}
		if _, err := apispec.Parse(apispectest.FilesToGenerate(t, req), opts); err != nil {
			resp.Error = proto.String(err.Error())
		}
		return resp
	})
}
