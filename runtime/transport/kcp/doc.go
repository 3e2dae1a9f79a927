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
// KCP has no connection set-up: kcp-go opens a session for the first
// datagram from any address. The listener bounds the sessions that have not
// completed the protocol handshake, in total and per IP address, and gives
// them a short deadline ([Options.MaxHandshakes],
// [Options.MaxHandshakesPerIP], [Options.HandshakeTimeout]); the session
// layer reports the handshake's end through [transport.Establisher].
// Datagrams over the limits are dropped before kcp-go allocates anything.
// With [Options.Key] a datagram that does not decrypt creates nothing.
//
// Closing a session sends what was queued and waits (within the linger
// bounds of [transport.Config]) until the client acknowledged it, because
// kcp-go's Close does not retransmit.
package kcp
