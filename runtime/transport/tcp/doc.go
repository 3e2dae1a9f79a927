// Package tcp is the TCP transport for game clients, on gnet event loops.
//
// Every complete packet in a read is handed to the session layer inside the
// event-loop callback (no copy, no goroutine); writes from any goroutine go
// through a bounded per-connection queue that the loop flushes with one
// writev. A connection whose queued plus unsent bytes exceed the limit is
// closed as a slow consumer.
//
// A close (Conn.Close, or a client breaking the protocol) loses nothing:
// what was queued is sent, then the output is shut down (FIN) and the input
// discarded until the client closes its side or the linger's bounds
// (transport.Config.LingerTimeout, LingerBytes), so the kernel never resets
// the connection while the client still has answers to read.
package tcp
