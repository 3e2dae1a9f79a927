package server

import (
	"cmp"
	"slices"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/metrics"
)

// Stats is a snapshot of a server's state, for admin pages and tests.
type Stats struct {
	// Sessions is the number of open sessions.
	Sessions int
	// QueuedJobs is the number of requests and notifies queued or running.
	QueuedJobs int64
	// PushEncodes counts the push packets encoded since start: a group
	// broadcast encodes one, whatever the number of members.
	PushEncodes int64
	// Groups is the number of groups.
	Groups int
	// Uptime is the time since the server was created.
	Uptime time.Duration
}

// Stats returns a snapshot of the server's state.
func (srv *Server) Stats() Stats {
	srv.groupMu.Lock()
	groups := len(srv.groups)
	srv.groupMu.Unlock()
	return Stats{
		Sessions: srv.sessions.len(), QueuedJobs: srv.jobs.Load(), PushEncodes: srv.pushEncodes.Load(),
		Groups: groups, Uptime: time.Since(srv.started),
	}
}

// SessionInfo describes one open session.
type SessionInfo struct {
	ID         int64
	UID        string
	Network    string
	RemoteAddr string
	Working    bool // the handshake is complete
	Idle       time.Duration
}

// SessionInfos describes up to max open sessions (all if max <= 0), by id.
func (srv *Server) SessionInfos(max int) []SessionInfo {
	all := srv.sessions.all()
	slices.SortFunc(all, func(a, b *session) int { return cmp.Compare(a.id, b.id) })
	if max > 0 && len(all) > max {
		all = all[:max]
	}
	now := srv.precise()
	out := make([]SessionInfo, len(all))
	for i, s := range all {
		out[i] = SessionInfo{
			ID: s.id, UID: s.UID(), Network: s.network, RemoteAddr: s.RemoteAddr(),
			Working: s.state.Load() == stateWorking, Idle: time.Duration(now - s.lastRecv.Load()),
		}
	}
	return out
}

// GroupSizes returns the number of members of every group, by name.
func (srv *Server) GroupSizes() map[string]int {
	srv.groupMu.Lock()
	groups := make([]*Group, 0, len(srv.groups))
	for _, g := range srv.groups {
		groups = append(groups, g)
	}
	srv.groupMu.Unlock()
	out := make(map[string]int, len(groups))
	for _, g := range groups {
		out[g.name] = g.Len()
	}
	return out
}

// Schema returns the description of the server's routes and messages (what
// the gamesrv.describe route answers); nil before Start.
func (srv *Server) Schema() *gamesrvv1.DescribeResponse { return srv.schema }

// Metrics returns the server's metrics recorder (metrics.Nop by default),
// for components that record in the same place (runtime/cluster does).
func (srv *Server) Metrics() metrics.Recorder { return srv.metrics }

// registerGauges exports the server's gauges when the recorder takes them.
func (srv *Server) registerGauges() {
	g, ok := srv.metrics.(metrics.Gauges)
	if !ok {
		return
	}
	g.Gauge("gamesrv_sessions", "Open client sessions.", func() float64 { return float64(srv.sessions.len()) }, "server", srv.id)
	g.Gauge("gamesrv_queued_jobs", "Requests and notifies queued or running.", func() float64 { return float64(srv.jobs.Load()) }, "server", srv.id)
	g.Gauge("gamesrv_groups", "Groups.", func() float64 { return float64(srv.Stats().Groups) }, "server", srv.id)
}
