package apispectest

import "strings"

// ErrorCase is an invalid input and the error every generator must return
// for it, exactly.
type ErrorCase struct {
	// Name names the case in test output.
	Name string
	// Sources are the files to compile and generate (import path →
	// source); they may import gamesrv/v1/options.proto.
	Sources map[string]string
	// Want is the error.
	Want string
	// Strict runs the case with the plugin parameter "strict=true" (both
	// generators' option for apispec.Options.Strict) instead of none.
	Strict bool
}

// ChatHeader starts the inline protos of the error cases: package chat.v1
// with messages JoinRequest, JoinResponse and Empty.
const ChatHeader = `syntax = "proto3";
package chat.v1;
import "gamesrv/v1/options.proto";
option go_package = "example.com/chat/v1;chatv1";
message JoinRequest { string room = 1; }
message JoinResponse { int32 count = 1; }
message Empty {}
`

// ChatProto returns chat/v1/chat.proto with the given declarations after
// ChatHeader.
func ChatProto(decls string) map[string]string {
	return map[string]string{"chat/v1/chat.proto": ChatHeader + decls}
}

// RoomService returns chat/v1/chat.proto with service RoomService of
// server type "chat" declaring methods.
func RoomService(methods string) map[string]string {
	return ChatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
` + methods + "\n}\n")
}

// ErrorCases returns the inputs package apispec rejects, with its errors.
// Every generator runs them and must return the same errors and no files.
func ErrorCases() []ErrorCase {
	long := strings.Repeat("a", 240)
	return []ErrorCase{
		{
			Name:    "client streaming",
			Sources: RoomService(`rpc Join(stream JoinRequest) returns (JoinResponse);`),
			Want:    "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			Name:    "server streaming",
			Sources: RoomService(`rpc Join(JoinRequest) returns (stream JoinResponse);`),
			Want:    "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			Name:    "bidi streaming",
			Sources: RoomService(`rpc Join(stream JoinRequest) returns (stream JoinResponse);`),
			Want:    "chat.v1.RoomService.Join: streaming methods are not supported",
		},
		{
			Name:    "no service option, strict",
			Sources: ChatProto(`service RoomService { rpc Join(JoinRequest) returns (JoinResponse); }`),
			Want:    `chat.v1.RoomService: option (gamesrv.v1.service) = {server_type: "..."} is required`,
			Strict:  true,
		},
		{
			Name: "no service option, strict, beside a gamesrv service",
			Sources: ChatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc Join(JoinRequest) returns (JoinResponse);
}
service HealthService { rpc Check(stream JoinRequest) returns (stream JoinResponse); }`),
			Want:   `chat.v1.HealthService: option (gamesrv.v1.service) = {server_type: "..."} is required`,
			Strict: true,
		},
		{
			Name: "no service option, method options",
			Sources: ChatProto(`service RoomService {
  rpc Join(JoinRequest) returns (JoinResponse);
  rpc Say(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY}; }
}`),
			Want: `chat.v1.RoomService: option (gamesrv.v1.service) = {server_type: "..."} is required: method Say has option (gamesrv.v1.method)`,
		},
		{
			Name: "empty server type",
			Sources: ChatProto(`service RoomService {
  option (gamesrv.v1.service) = {name: "room"};
  rpc Join(JoinRequest) returns (JoinResponse);
}`),
			Want: "chat.v1.RoomService: option (gamesrv.v1.service).server_type is required",
		},
		{
			Name:    "server type with a dot",
			Sources: ChatProto(`service RoomService { option (gamesrv.v1.service) = {server_type: "chat.v1"}; }`),
			Want:    `chat.v1.RoomService: (gamesrv.v1.service).server_type "chat.v1" must match [A-Za-z0-9_-]+`,
		},
		{
			Name:    "service name with a space",
			Sources: ChatProto(`service RoomService { option (gamesrv.v1.service) = {server_type: "chat", name: "room service"}; }`),
			Want:    `chat.v1.RoomService: (gamesrv.v1.service).name "room service" must match [A-Za-z0-9_-]+`,
		},
		{
			Name:    "method name with a dot",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "room.join"}; }`),
			Want:    `chat.v1.RoomService.Join: (gamesrv.v1.method).name "room.join" must match [A-Za-z0-9_-]+`,
		},
		{
			Name:    "request route with two segments",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {route: "chat.join"}; }`),
			Want:    `chat.v1.RoomService.Join: (gamesrv.v1.method).route "chat.join" must have the form "chat.<service>.<method>", each segment matching [A-Za-z0-9_-]+`,
		},
		{
			Name:    "notify route with an empty segment",
			Sources: RoomService(`rpc Say(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY, route: "chat..say"}; }`),
			Want:    `chat.v1.RoomService.Say: (gamesrv.v1.method).route "chat..say" must have the form "chat.<service>.<method>", each segment matching [A-Za-z0-9_-]+`,
		},
		{
			Name:    "request route of another server type",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {route: "lobby.room.join"}; }`),
			Want:    `chat.v1.RoomService.Join: (gamesrv.v1.method).route "lobby.room.join" must start with the server type "chat."`,
		},
		{
			Name:    "push route with whitespace",
			Sources: RoomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "on message"}; }`),
			Want:    `chat.v1.RoomService.OnMessage: (gamesrv.v1.method).route "on message" must not contain whitespace`,
		},
		{
			Name:    "default route too long",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "` + long + `"}; }`),
			Want:    `chat.v1.RoomService.Join: route "chat.roomservice.` + long + `" is 257 bytes long, more than 255`,
		},
		{
			Name:    "push route too long",
			Sources: RoomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "` + long + long + `"}; }`),
			Want:    `chat.v1.RoomService.OnMessage: route "` + long + long + `" is 480 bytes long, more than 255`,
		},
		{
			Name: "duplicate route in a service",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse);
  rpc Enter(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {name: "join"}; }`),
			Want: `chat.v1.RoomService.Enter: route "chat.roomservice.join" is already the route of chat.v1.RoomService.Join`,
		},
		{
			Name: "duplicate push route in a file",
			Sources: ChatProto(`service RoomService {
  option (gamesrv.v1.service) = {server_type: "chat"};
  rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onMessage"}; }
}
service LobbyService {
  option (gamesrv.v1.service) = {server_type: "lobby"};
  rpc OnLobbyMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onMessage"}; }
}`),
			Want: `chat.v1.LobbyService.OnLobbyMessage: route "onMessage" is already the route of chat.v1.RoomService.OnMessage`,
		},
		{
			Name: "duplicate route across files",
			Sources: map[string]string{
				"chat/v1/chat.proto": RoomService(`rpc Join(JoinRequest) returns (JoinResponse);`)["chat/v1/chat.proto"],
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
			Want: `chat.v2.RoomService.Join: route "chat.roomservice.join" is already the route of chat.v1.RoomService.Join`,
		},
		{
			Name:    "internal push",
			Sources: RoomService(`rpc OnMessage(JoinRequest) returns (Empty) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, internal: true}; }`),
			Want:    "chat.v1.RoomService.OnMessage: push methods cannot be internal",
		},
		{
			Name:    "notify with a response",
			Sources: RoomService(`rpc Say(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY}; }`),
			Want:    "chat.v1.RoomService.Say: the response of a notify method must be an empty message, and chat.v1.JoinResponse has fields",
		},
		{
			Name:    "push with a response",
			Sources: RoomService(`rpc OnMessage(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH}; }`),
			Want:    "chat.v1.RoomService.OnMessage: the response of a push method must be an empty message, and chat.v1.JoinResponse has fields",
		},
		{
			Name:    "unknown kind",
			Sources: RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {kind: 9}; }`),
			Want:    "chat.v1.RoomService.Join: unknown (gamesrv.v1.method).kind 9",
		},
	}
}
