package main

import (
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
)

// names holds the Go identifiers generated for one service. It is the only
// place where generated identifiers are spelled.
type names struct {
	Base string // RoomService

	ServiceName string // RoomServiceName
	ServerType  string // RoomServiceServerType

	Handler              string // RoomServiceHandler
	UnimplementedHandler string // UnimplementedRoomServiceHandler
	ServiceDesc          string // RoomService_ServiceDesc
	RegisterHandler      string // RegisterRoomServiceHandler

	Client            string // RoomServiceClient
	ClientConstructor string // NewRoomServiceClient
	ClientImpl        string // roomServiceClient

	Pusher                   string // RoomServicePusher
	PusherConstructor        string // NewRoomServicePusher
	PusherImpl               string // roomServicePusher
	PushHandler              string // RoomServicePushHandler
	UnimplementedPushHandler string // UnimplementedRoomServicePushHandler
	RegisterPushHandler      string // RegisterRoomServicePushHandler

	Remote            string // RoomServiceRemote
	RemoteConstructor string // NewRoomServiceRemote
	RemoteImpl        string // roomServiceRemote
}

func newNames(service *protogen.Service) names {
	base := service.GoName
	return names{
		Base:                     base,
		ServiceName:              base + "Name",
		ServerType:               base + "ServerType",
		Handler:                  base + "Handler",
		UnimplementedHandler:     "Unimplemented" + base + "Handler",
		ServiceDesc:              base + "_ServiceDesc",
		RegisterHandler:          "Register" + base + "Handler",
		Client:                   base + "Client",
		ClientConstructor:        "New" + base + "Client",
		ClientImpl:               unexport(base) + "Client",
		Pusher:                   base + "Pusher",
		PusherConstructor:        "New" + base + "Pusher",
		PusherImpl:               unexport(base) + "Pusher",
		PushHandler:              base + "PushHandler",
		UnimplementedPushHandler: "Unimplemented" + base + "PushHandler",
		RegisterPushHandler:      "Register" + base + "PushHandler",
		Remote:                   base + "Remote",
		RemoteConstructor:        "New" + base + "Remote",
		RemoteImpl:               unexport(base) + "Remote",
	}
}

// Route is the name of the route constant of m: RoomServiceJoinRoute.
func (n names) Route(m *protogen.Method) string { return n.Base + m.GoName + "Route" }

// Broadcast is the name of the broadcasting Remote method:
// BroadcastCountPlayers.
func (n names) Broadcast(m *protogen.Method) string { return "Broadcast" + m.GoName }

// unexport lower-cases the first letter of an exported Go identifier.
func unexport(s string) string {
	return strings.ToLower(s[:1]) + s[1:]
}
