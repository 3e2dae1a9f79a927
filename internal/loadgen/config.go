package loadgen

import (
	"bytes"
	"errors"
	"strconv"
	"time"

	"github.com/gamesrv/gamesrv/runtime/client"
)

// Config describes a load run. The zero value of each field gives the
// default written on it; Addr and Route are required.
type Config struct {
	// Addr is the server: "tcp://host:port", "kcp://host:port" or
	// "ws://host:port/path".
	Addr string
	// Conns is the number of concurrent connections. Default 1.
	Conns int
	// Requests is the number of measured requests (or notifies) per
	// connection. 0 means: run for Duration.
	Requests int
	// Duration is the length of the measured phase when Requests is 0.
	// Default 10 s.
	Duration time.Duration
	// Pipeline is the number of requests in flight per connection, each
	// sent by its own goroutine. Default 1: sequential requests.
	Pipeline int
	// Route is the route of the measured requests.
	Route string
	// Payload is the serialized payload of every measured request, sent
	// as is (no "%d" expansion) and shared by all connections.
	Payload []byte
	// Notify sends notifies instead of requests. A notify has no answer,
	// so each connection ends its measured phase with one barrier request
	// (see BarrierRoute) and the phase lasts until every barrier is
	// answered: throughput and server CPU then cover the notifies the
	// server took off its queues, not merely those written to sockets.
	// A notify the server drops (full queue, rate limit) still counts as
	// OK: the client cannot see it; the server's metrics can. Latencies
	// stay zero.
	Notify bool
	// BarrierRoute is the route of the barrier request that ends each
	// connection's measured phase with Notify. Any route works: the
	// server answers a connection's messages in order, and an error
	// answer (GS-404 for an unknown route, GS-400 for a request to a
	// notify route) is as good as a response. Default: Route itself, with
	// Payload; another route gets an empty payload. A gamesrv server
	// answers a request to a notify route GS-400 without running the
	// handler, so the default has no side effect there.
	BarrierRoute string
	// Warmup is how long each connection sends measured-route traffic,
	// not counted, before the measured phase. Default 0.
	Warmup time.Duration
	// Init lists requests sent once per connection, in order, after
	// connecting and before the warm-up (log in, join a room...). A
	// connection whose Init step fails is closed and left out of the
	// measured phase; the failure is counted in [Report.Errors].
	Init []Step
	// Timeout bounds each request. Default 5 s.
	Timeout time.Duration
	// ServerPID, when > 0, is the server process to measure (Linux
	// /proc): its CPU time over the measured phase and its resident
	// memory before and after. CPU ticks are converted assuming
	// CLK_TCK = 100, the value of every Linux platform Go supports.
	ServerPID int
	// ExtraPIDs are more processes whose CPU time is read over the same
	// window as ServerPID's (Linux /proc): the backends behind a
	// frontend, say. See [Report.ExtraCPU].
	ExtraPIDs []int
	// DialRate is the maximum number of dials per second. 0: unlimited.
	DialRate int
	// Client is passed to client.Dial: handshake user data, KCP tuning,
	// logger, timeouts.
	Client client.Options
}

// Step is one set-up request of a connection (see [Config.Init]).
type Step struct {
	// Route is the step's route.
	Route string
	// Payload is the serialized payload. Every occurrence of the two
	// bytes "%d" is replaced by the connection's index (0, 1, ...,
	// decimal), which gives unique names in JSON payloads:
	// {"name":"bot-%d"}. Do not use it with protobuf payloads: the
	// length prefixes would be wrong; use PayloadFunc instead.
	Payload []byte
	// PayloadFunc, when set, builds the payload of connection conn in
	// place of Payload (no "%d" expansion then). The gamesrv CLI uses it
	// to turn a JSON template into protobuf per connection.
	PayloadFunc func(conn int) ([]byte, error)
	// Notify sends the step as a notify: nothing is awaited.
	Notify bool
}

// payload returns the step's payload for connection conn.
func (s *Step) payload(conn int) ([]byte, error) {
	if s.PayloadFunc != nil {
		return s.PayloadFunc(conn)
	}
	return expandIndex(s.Payload, conn), nil
}

// expandIndex replaces "%d" in p with conn in decimal. p is returned
// unchanged (not copied) when it holds no "%d".
func expandIndex(p []byte, conn int) []byte {
	marker := []byte("%d")
	if !bytes.Contains(p, marker) {
		return p
	}
	return bytes.ReplaceAll(p, marker, strconv.AppendInt(nil, int64(conn), 10))
}

// Defaults of [Config].
const (
	defaultDuration = 10 * time.Second
	defaultTimeout  = 5 * time.Second
)

// withDefaults fills in the defaults and checks the required fields.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Addr == "":
		return c, errors.New("loadgen: no address")
	case c.Route == "":
		return c, errors.New("loadgen: no route")
	case c.Requests < 0 || c.Conns < 0 || c.Pipeline < 0 || c.DialRate < 0:
		return c, errors.New("loadgen: negative count")
	}
	c.Conns = max(c.Conns, 1)
	c.Pipeline = max(c.Pipeline, 1)
	if c.Duration <= 0 {
		c.Duration = defaultDuration
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.BarrierRoute == "" {
		c.BarrierRoute = c.Route
	}
	return c, nil
}

// barrierPayload is the payload of the barrier request: the measured
// payload when the barrier goes to the measured route, else none.
func (c *Config) barrierPayload() []byte {
	if c.BarrierRoute == c.Route {
		return c.Payload
	}
	return nil
}
