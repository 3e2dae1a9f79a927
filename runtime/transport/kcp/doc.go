// Package kcp is the KCP (reliable UDP) transport for game clients, on
// kcp-go. Each session is served by [transport.ServeConn]: a reader
// goroutine, and a writer goroutine only while something is queued. The
// sessions are kcp-go's, trimmed (internal/kcpcore: kcp-go v5.6.35's
// server side, same wire format and ARQ) so that an idle session holds no
// goroutine of its own and no buffer but its ARQ state: about 12 KiB of
// heap and stack with its reader, against some 260 KiB and two goroutines
// with kcp-go's own sessions (BenchmarkIdleSession; bench/suite's row 3b
// measures it in a server process). Liveness comes from read deadlines
// and the protocol heartbeat, since KCP itself never notices a vanished
// peer.
//
// KCP has no connection set-up: the first datagram of a conversation opens a
// session. Sessions are keyed by address and conversation, so a client
// that starts over from the address of a session the server still holds
// gets a session of its own, and no datagram ends another conversation's
// session (kcp-go's listener replaces an address's session on a new
// conversation). The listener bounds the sessions that have not
// completed the protocol handshake, in total and per IP address, and gives
// them a short deadline ([Options.MaxHandshakes],
// [Options.MaxHandshakesPerIP], [Options.HandshakeTimeout]); the session
// layer reports the handshake's end through [transport.Establisher].
// Datagrams over the limits are dropped before the KCP layer allocates
// anything, and reading them allocates nothing (recvmmsg on Linux).
// With [Options.Key] a datagram that does not decrypt creates nothing.
//
// Closing a session sends what was queued and waits (within the linger
// bounds of [transport.Config]) until the client acknowledged it, because
// kcp-go's Close does not retransmit.
package kcp
