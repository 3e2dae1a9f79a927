// Package wire is the client wire-protocol codec of gamesrv: the
// Pomelo/Pitaya protocol, byte for byte, so that existing client SDKs
// (libpitaya, Pitaya's Go client, pomelo JS clients) connect unchanged.
// PROTOCOL.md in the repository's shared documentation is normative.
//
// The protocol has three layers.
//
// Packets frame everything on every transport: a type byte (Handshake,
// HandshakeAck, Heartbeat, Data, Kick), a 24-bit big-endian body length and
// the body. On stream transports (TCP, KCP) SplitPacket cuts packets out of
// the read buffer and refuses oversized declared lengths before the body
// arrives; on WebSocket each binary message holds one packet. AppendPacket,
// PutHeader and ParseHeader encode and decode packets.
//
// The handshake is JSON: the client's Handshake packet (HandshakeRequest,
// with a "sys" object describing the client and an application "user"
// object) is answered by the server's Handshake packet (HandshakeResponse:
// a code, and for code 200 the route dictionary, the heartbeat interval
// and the serializer name). The client then sends a HandshakeAck.
//
// Messages are the body of Data packets: a flag byte (route compression,
// message type, zlib and error bits), a varint ID for Requests and
// Responses, a route for Requests, Notifies and Pushes (a length-prefixed
// string or a 2-byte dictionary code), and the payload. DecodeMessage
// decodes one without allocating; AppendHeader, AppendMessage and
// AppendDataPacket encode them into caller-owned buffers.
//
// Payloads with the zlib flag are inflated with an [Inflater], which
// bounds what a payload may inflate to ([ErrInflatedTooLarge]): the
// server and the Go client share it. Otherwise the package only frames
// bytes: it does not resolve dictionary codes or unmarshal payloads.
// Decoded slices alias the input.
package wire
