// Package pomelojs checks gamesrv against a client nobody here wrote: the
// npm package pomelo-jsclient-websocket 0.1.1 (with pomelo-protocol 0.1.6
// and ws), unmodified, under Node, driving the chat example server built
// from examples/chat/server with -serializer json over WebSocket.
//
// The npm packages are pinned in package.json and package-lock.json and
// installed into node_modules (git-ignored) by `make interop-deps`, which
// `make test` runs first (npm ci). chat.js is the client's script; the Go
// test builds the server, runs the script and checks what it saw.
package pomelojs
