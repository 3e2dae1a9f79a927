package gamesrv_test

import (
	"context"
	"errors"
	"fmt"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// A handler returns an application error with its own code; the client
// receives exactly that code, message and metadata.
func ExampleNewError() {
	err := gamesrv.NewError("ROOM-FULL", "the room is full").With("room", "7")
	fmt.Println(err)
	fmt.Println(err.Code(), err.Message(), err.Metadata())
	// Output:
	// ROOM-FULL: the room is full
	// ROOM-FULL the room is full map[room:7]
}

// CodeOf reads the code of any error: the first *gamesrv.Error in its
// chain, or the framework's code for what the runtime would answer.
func ExampleCodeOf() {
	full := gamesrv.NewError("ROOM-FULL", "the room is full")
	fmt.Println(gamesrv.CodeOf(fmt.Errorf("join: %w", full)))
	fmt.Println(gamesrv.CodeOf(context.DeadlineExceeded))
	fmt.Println(gamesrv.CodeOf(errors.New("disk on fire"))) // the client sees "internal error"
	fmt.Printf("%q\n", gamesrv.CodeOf(nil))
	// Output:
	// ROOM-FULL
	// GS-504
	// GS-500
	// ""
}

// Errorf formats the message; a %w error stays available to errors.Is on
// the server and never reaches the client.
func ExampleErrorf() {
	err := gamesrv.Errorf("CHAT-BAD-ROOM", "room %q: %w", "", context.Canceled)
	fmt.Println(err.Message())
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// room "": context canceled
	// true
}

// The route table protoc-gen-gamesrv generates for the chat example's
// RoomService: one entry per method, with its wire route and its kind.
// The runtime dispatches with a lookup in it, never with reflection.
func ExampleServiceDesc() {
	desc := &chatv1.RoomService_ServiceDesc
	fmt.Println(desc.Name, "on servers of type", desc.ServerType)
	for _, r := range desc.Routes {
		fmt.Printf("%-17s %-9s %-7s internal=%v\n", r.Name, r.Method, r.Kind, r.Internal)
	}
	// Output:
	// chat.v1.RoomService on servers of type chat
	// chat.room.join    Join      request internal=false
	// chat.room.say     Say       notify  internal=false
	// chat.room.members Members   request internal=false
	// chat.room.leave   Leave     request internal=false
	// onMessage         OnMessage push    internal=false
	// onMembers         OnMembers push    internal=false
	// chat.room.roomstats RoomStats request internal=true
}
