// Package kcp is the KCP (reliable UDP) transport for game clients, on
// kcp-go. Each session gets a reader and a writer goroutine
// ([transport.ServeConn]); liveness comes from read deadlines and the
// protocol heartbeat, since KCP itself never notices a vanished peer.
package kcp
