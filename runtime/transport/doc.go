// Package transport is the contract between the server's session layer and
// the network transports (TCP on gnet, KCP, and any net.Conn): a transport
// accepts connections, splits their bytes into packets for a [Peer], and
// writes what the session layer queues through [Conn].
//
// Sub-packages tcp and kcp implement [Listener]; [ServeConn] runs any
// stream-oriented net.Conn (KCP sessions, TLS connections) with a reader and
// a writer goroutine.
package transport
