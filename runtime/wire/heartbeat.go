package wire

import "time"

// HeartbeatTimeout is the longest silence a peer tolerates from the other
// side of a connection whose heartbeat interval is interval: a connection
// silent for more than 2.5 intervals is dead (PROTOCOL.md §6).
//
// Two intervals are what a client that answers heartbeats may honestly be
// silent for: pomelo-jsclient-websocket sends its heartbeat one interval
// after it receives the server's and ignores the server's while its own is
// pending, so it waits up to one interval for the server's heartbeat and
// then one more. The extra half interval (at least 500 ms, as the interval
// is at least a second) absorbs timer lateness and network delay on both
// sides.
func HeartbeatTimeout(interval time.Duration) time.Duration {
	return 2*interval + interval/2
}
