package main

import (
	"slices"
	"strings"
	"testing"
)

// chatHeader starts the inline protos of the error cases.
const chatHeader = `syntax = "proto3";
package chat.v1;
import "gamesrv/v1/options.proto";
option go_package = "example.com/chat/v1;chatv1";
message JoinRequest { string room = 1; }
message JoinResponse { int32 count = 1; }
message Empty {}
`

// chatProto returns chat/v1/chat.proto with the given declarations.
func chatProto(decls string) map[string]string {
	return map[string]string{"chat/v1/chat.proto": chatHeader + decls}
}

// roomService returns chat/v1/chat.proto with service RoomService of
// server type "chat" declaring methods.
func roomService(methods string) map[string]string {
	return chatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
` + methods + "\n}\n")
}

func TestErrors(t *testing.T) {
	long := strings.Repeat("a", 240)
	tests := []struct {
		name string
		srcs map[string]string
		want string
	}{
		{
			name: "client streaming",
			srcs: roomService(`rpc Join(stream JoinRequest) returns (JoinResponse);`),
			want: "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			name: "server streaming",
			srcs: roomService(`rpc Join(JoinRequest) returns (stream JoinResponse);`),
			want: "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			name: "bidi streaming",
			srcs: roomService(`rpc Join(stream JoinRequest) returns (stream JoinResponse);`),
			want: "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			name: "no service option",
			srcs: chatProto(`service RoomService { rpc Join(JoinRequest) returns (JoinResponse); }`),
			want: `chat.v1.RoomService: option (gamesrv.v1.service) = {server_type: "..."} is required`,
		},
		{
			name: "empty server type",
			srcs: chatProto(`service RoomService {
  option (gamesrv.v1.service) = {name: "room"};
  rpc Join(JoinRequest) returns (JoinResponse);
}`),
			want: "chat.v1.RoomService: option (gamesrv.v1.service).server_type is required",
		},
		{
			name: "server type with a dot",
			srcs: chatProto(`service RoomService { option (gamesrv.v1.service) = {server_type: "chat.v1"}; }`),
			want: `chat.v1.RoomService: (gamesrv.v1.service).server_type "chat.v1" must match [A-Za-z0-9_-]+`,
		},
		{
			name: "service name with a space",
			srcs: chatProto(`service RoomService { option (gamesrv.v1.service) = {server_type: "chat", name: "room service"}; }`),
			want: `chat.v1.RoomService: (gamesrv.v1.service).name "room service" must match [A-Za-z0-9_-]+`,
		},
		{
			name: "method name with a dot",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "room.join"}; }`),
			want: `chat.v1.RoomService.Join: (gamesrv.v1.method).name "room.join" must match [A-Za-z0-9_-]+`,
		},
		{
			name: "request route with two segments",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {route: "chat.join"}; }`),
			want: `chat.v1.RoomService.Join: (gamesrv.v1.method).route "chat.join" must have the form "chat.<service>.<method>", each segment matching [A-Za-z0-9_-]+`,
		},
		{
			name: "notify route with an empty segment",
			srcs: roomService(`rpc Say(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY, route: "chat..say"}; }`),
			want: `chat.v1.RoomService.Say: (gamesrv.v1.method).route "chat..say" must have the form "chat.<service>.<method>", each segment matching [A-Za-z0-9_-]+`,
		},
		{
			name: "request route of another server type",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {route: "lobby.room.join"}; }`),
			want: `chat.v1.RoomService.Join: (gamesrv.v1.method).route "lobby.room.join" must start with the server type "chat."`,
		},
		{
			name: "push route with whitespace",
			srcs: roomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "on message"}; }`),
			want: `chat.v1.RoomService.OnMessage: (gamesrv.v1.method).route "on message" must not contain whitespace`,
		},
		{
			name: "default route too long",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "` + long + `"}; }`),
			want: `chat.v1.RoomService.Join: route "chat.roomservice.` + long + `" is 257 bytes long, more than 255`,
		},
		{
			name: "push route too long",
			srcs: roomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "` + long + long + `"}; }`),
			want: `chat.v1.RoomService.OnMessage: route "` + long + long + `" is 480 bytes long, more than 255`,
		},
		{
			name: "duplicate route in a service",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse);
  rpc Enter(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "join"}; }`),
			want: `chat.v1.RoomService.Enter: route "chat.roomservice.join" is already the route of chat.v1.RoomService.Join`,
		},
		{
			name: "duplicate push route in a file",
			srcs: chatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onMessage"}; }
}
service LobbyService {
  option (gamesrv.v1.service) = {server_type: "lobby"};
  rpc OnLobbyMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onMessage"}; }
}`),
			want: `chat.v1.LobbyService.OnLobbyMessage: route "onMessage" is already the route of chat.v1.RoomService.OnMessage`,
		},
		{
			name: "duplicate route across files",
			srcs: map[string]string{
				"chat/v1/chat.proto": roomService(`rpc Join(JoinRequest) returns (JoinResponse);`)["chat/v1/chat.proto"],
				"chat/v2/chat.proto": `syntax = "proto3";
package chat.v2;
import "gamesrv/v1/options.proto";
import "chat/v1/chat.proto";
option go_package = "example.com/chat/v2;chatv2";
service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc Join(chat.v1.JoinRequest) returns (chat.v1.JoinResponse);
}`,
			},
			want: `chat.v2.RoomService.Join: route "chat.roomservice.join" is already the route of chat.v1.RoomService.Join`,
		},
		{
			name: "internal push",
			srcs: roomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, internal: true}; }`),
			want: "chat.v1.RoomService.OnMessage: push methods cannot be internal",
		},
		{
			name: "notify with a response",
			srcs: roomService(`rpc Say(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY}; }`),
			want: "chat.v1.RoomService.Say: the response of a notify method must be an empty message, and chat.v1.JoinResponse has fields",
		},
		{
			name: "push with a response",
			srcs: roomService(`rpc OnMessage(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH}; }`),
			want: "chat.v1.RoomService.OnMessage: the response of a push method must be an empty message, and chat.v1.JoinResponse has fields",
		},
		{
			name: "unknown kind",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: 9}; }`),
			want: "chat.v1.RoomService.Join: unknown (gamesrv.v1.method).kind 9",
		},
		{
			name: "Broadcast method collision",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }
  rpc BroadcastJoin(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }`),
			want: "chat.v1.RoomService.BroadcastJoin: generated Go identifier RoomServiceRemote.BroadcastJoin collides with the one generated for chat.v1.RoomService.Join",
		},
		{
			name: "Async method collision",
			srcs: roomService(`rpc JoinAsync(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }
  rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }`),
			want: "chat.v1.RoomService.Join: generated Go identifier RoomServiceRemote.JoinAsync collides with the one generated for chat.v1.RoomService.JoinAsync",
		},
		{
			name: "route constant collision between services",
			srcs: chatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc Join(JoinRequest) returns (JoinResponse);
}
service Room {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc ServiceJoin(JoinRequest) returns (JoinResponse);
}`),
			want: "chat.v1.Room.ServiceJoin: generated Go identifier RoomServiceJoinRoute collides with the one generated for chat.v1.RoomService.Join",
		},
		{
			name: "services of two files in one Go package",
			srcs: map[string]string{
				"chat/v1/chat.proto": roomService(`rpc Join(JoinRequest) returns (JoinResponse);`)["chat/v1/chat.proto"],
				"chat/v1/room.proto": `syntax = "proto3";
package chat.v1.room;
import "gamesrv/v1/options.proto";
import "chat/v1/chat.proto";
option go_package = "example.com/chat/v1;chatv1";
service RoomService {
  option (gamesrv.v1.service) = {server_type: "room"};
  rpc Join(chat.v1.JoinRequest) returns (chat.v1.JoinResponse);
}`,
			},
			want: "chat.v1.room.RoomService: generated Go identifier RoomServiceName collides with the one generated for chat.v1.RoomService",
		},
		{
			name: "service and message collision",
			srcs: roomService(`rpc Join(JoinRequest) returns (JoinResponse);
}
message RoomServiceClient {`),
			want: "chat.v1.RoomService: generated Go identifier RoomServiceClient collides with the one generated for chat.v1.RoomServiceClient",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			for name := range tt.srcs {
				files = append(files, name)
			}
			slices.Sort(files)
			resp := runPlugin(t, memoryResolver(tt.srcs), "paths=source_relative", nil, files...)
			if got := resp.GetError(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			if len(resp.GetFile()) != 0 {
				t.Errorf("generated %d files despite the error", len(resp.GetFile()))
			}
		})
	}
}
