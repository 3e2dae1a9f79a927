// Package transport is the contract between the server's session layer and
// the network transports (TCP on gnet, KCP, and any net.Conn): a transport
// accepts connections, splits their bytes into packets for a [Peer], and
// writes what the session layer queues through [Conn].
//
// Sub-packages tcp, ws, kcp and stdnet implement [Listener]; [ServeConn]
// runs any stream-oriented net.Conn (KCP sessions, TLS connections) with a
// reader goroutine, and a writer goroutine while something is queued.
//
// Every transport closes without losing data: [Conn.Close] sends what was
// queued, ends the output in order and reads until the peer closes its
// side, within [Config.LingerTimeout] and [Config.LingerBytes].
package transport
