// Package ws is the WebSocket transport for game clients (browsers, pomelo
// JS clients), on gnet event loops with gobwas/ws.
//
// A connection starts as HTTP: its bytes are accumulated until the end of
// the request header (at most [Options.MaxHandshake] bytes) and only then
// handed to gobwas's [ws.Upgrader], so an upgrade request split across any
// number of TCP segments works, and no blocking reader ever sees the gnet
// connection. After the 101 response the connection is handed to the
// session layer.
//
// Each binary message carries exactly one whole packet (PROTOCOL.md §1);
// a message holding part of a packet, or more than one, closes the
// connection. Client frames must be masked. A whole unfragmented frame is
// unmasked in place in gnet's read buffer and handed to the session layer
// without a copy; only fragmented messages are reassembled in a
// per-connection buffer, up to MaxBody+4 bytes. A declared frame length over
// that limit closes the connection before the frame is buffered. Text
// frames close with 1003 (Pomelo clients send binary), other protocol
// errors with 1002, pings are answered with pongs and a close frame is
// echoed before the connection closes. Every close sends what was queued
// first, then the close frame, then shuts the output down and discards the
// input until the client closes the TCP connection, within the linger's
// bounds (transport.Config.LingerTimeout, LingerBytes): no reset drops what
// the client has not read yet.
//
// Writes from any goroutine go through a bounded per-connection queue
// (exactly as the TCP transport): the loop splits what was queued into
// packets and sends each as one binary message, headers and payloads in
// one writev. A connection whose queued plus unsent bytes exceed the limit
// is closed as a slow consumer.
//
// [ws.Upgrader]: https://pkg.go.dev/github.com/gobwas/ws#Upgrader
package ws
