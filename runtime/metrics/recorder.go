// Package metrics defines what the gamesrv runtime measures ([Recorder])
// and a Prometheus implementation of it ([Prometheus]) that an admin HTTP
// listener exposes. It depends only on the standard library.
package metrics

import "time"

// Recorder receives the runtime's measurements. The server and the cluster
// call it on their hot paths: implementations must be safe for concurrent
// use, must not block, and should not allocate per call.
type Recorder interface {
	// ConnOpened and ConnClosed count client connections by transport
	// ("tcp", "kcp", "ws", "tls").
	ConnOpened(network string)
	// ConnClosed is called once per connection ConnOpened reported.
	ConnClosed(network string)
	// Handled reports a client request or notify: its route, its outcome
	// ("OK" or an error code such as "GS-404" or "ROOM-FULL") and the time
	// from its arrival to its answer (queueing included).
	Handled(route string, kind string, code string, d time.Duration)
	// Pushed reports a push of route encoded once and written to n
	// sessions.
	Pushed(route string, n int)
	// Forwarded reports a client request forwarded to a server of
	// serverType, with its outcome and duration.
	Forwarded(serverType string, code string, d time.Duration)
	// RemoteCall reports a server-to-server call made through a Remote stub
	// or a raw RemoteConn call.
	RemoteCall(route string, code string, d time.Duration)
	// LinkError reports a server-to-server link that failed or could not be
	// dialled.
	LinkError(peer string)
}

// Gauges is implemented by recorders that also export values read when
// they are collected (queue depths, sessions, cluster members). The runtime
// registers its gauges with it when it starts.
type Gauges interface {
	// Gauge registers a value read at collection time. labels are
	// alternating name, value pairs.
	Gauge(name, help string, read func() float64, labels ...string)
}

// Nop is a Recorder that records nothing: the default.
type Nop struct{}

// ConnOpened does nothing.
func (Nop) ConnOpened(string) {}

// ConnClosed does nothing.
func (Nop) ConnClosed(string) {}

// Handled does nothing.
func (Nop) Handled(string, string, string, time.Duration) {}

// Pushed does nothing.
func (Nop) Pushed(string, int) {}

// Forwarded does nothing.
func (Nop) Forwarded(string, string, time.Duration) {}

// RemoteCall does nothing.
func (Nop) RemoteCall(string, string, time.Duration) {}

// LinkError does nothing.
func (Nop) LinkError(string) {}

var _ Recorder = Nop{}
