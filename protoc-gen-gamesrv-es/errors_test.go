package main

import (
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"google.golang.org/protobuf/types/pluginpb"
)

// TestErrors runs the error cases all gamesrv generators share (package
// apispec's validation): this generator rejects what protoc-gen-gamesrv
// rejects, with the same errors.
func TestErrors(t *testing.T) {
	apispectest.CheckErrors(t, apispectest.ErrorCases(), func(_ *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
		return respond(req)
	})
}

// TestTypeScriptErrors covers collisions between generated TypeScript
// names.
func TestTypeScriptErrors(t *testing.T) {
	apispectest.CheckErrors(t, []apispectest.ErrorCase{
		{
			Name: "members differing in case",
			Sources: apispectest.RoomService(`rpc Join(JoinRequest) returns (JoinResponse);
  rpc join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "join2"}; }`),
			Want: "chat.v1.RoomService.join: generated TypeScript member join collides with the one generated for chat.v1.RoomService.Join",
		},
		{
			Name: "push and request",
			Sources: apispectest.RoomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH}; }
  rpc onMessage(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "onmessage2"}; }`),
			Want: "chat.v1.RoomService.onMessage: generated TypeScript member onMessage collides with the one generated for chat.v1.RoomService.OnMessage",
		},
	}, func(_ *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
		return respond(req)
	})
	// An internal method never appears, so it collides with nothing.
	srcs := apispectest.RoomService(`rpc Join(JoinRequest) returns (JoinResponse);
  rpc join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "join2", internal: true}; }`)
	resp := respond(apispectest.NewRequest(t, apispectest.Compile(t, apispectest.Resolver(srcs), apispectest.Paths(srcs)...), ""))
	if resp.GetError() != "" || len(resp.GetFile()) != 1 {
		t.Errorf("internal method with a colliding name: error %q, %d files; want no error and a file", resp.GetError(), len(resp.GetFile()))
	}
}
