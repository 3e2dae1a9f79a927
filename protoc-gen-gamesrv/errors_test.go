package main

import (
	"slices"
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"google.golang.org/protobuf/types/pluginpb"
)

// TestErrors runs the error cases all gamesrv generators share (package
// apispec's validation).
func TestErrors(t *testing.T) {
	apispectest.CheckErrors(t, apispectest.ErrorCases(), func(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
		return respond(t, req)
	})
}

// TestGoErrors covers collisions between generated Go identifiers.
func TestGoErrors(t *testing.T) {
	tests := []struct {
		name string
		srcs map[string]string
		want string
	}{
		{
			name: "Broadcast method collision",
			srcs: apispectest.RoomService(`rpc Join(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }
  rpc BroadcastJoin(JoinRequest) returns (JoinResponse) { option (gamesrv.v1.method) = {internal: true}; }`),
			want: "chat.v1.RoomService.BroadcastJoin: generated Go identifier RoomServiceRemote.BroadcastJoin collides with the one generated for chat.v1.RoomService.Join",
		},
		{
			name: "route constant collision between services",
			srcs: apispectest.ChatProto(`service RoomService {
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
				"chat/v1/chat.proto": apispectest.RoomService(`rpc Join(JoinRequest) returns (JoinResponse);`)["chat/v1/chat.proto"],
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
			srcs: apispectest.RoomService(`rpc Join(JoinRequest) returns (JoinResponse);
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
