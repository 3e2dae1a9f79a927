// Package gamesrv is the small core shared by generated code, the server
// runtime and the Go client: route tables ([ServiceDesc], [Route]), the
// [Session] seen by handlers, the connection interfaces the generated stubs
// call ([ClientConn], [Pusher], [RemoteConn]) and coded errors ([Error],
// [Code]).
//
// It depends only on the protobuf runtime and the wire codec, so that a game
// client or bot that imports generated code links neither the server's
// network stack nor the cluster.
package gamesrv
