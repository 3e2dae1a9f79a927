package server

import (
	"cmp"
	"slices"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/metrics"
)

// stats returns a snapshot of the server's state.
func (srv *Server) stats() serverhost.Stats {
	srv.groupMu.Lock()
	groups := len(srv.groups)
	srv.groupMu.Unlock()
	return serverhost.Stats{
		Sessions: srv.sessions.len(), QueuedJobs: srv.jobs.Load(), PushEncodes: srv.pushEncodes.Load(),
		Groups: groups, Uptime: time.Since(srv.started),
	}
}

// sessionInfos describes up to max open sessions (all if max <= 0), by id.
func (srv *Server) sessionInfos(max int) []serverhost.SessionInfo {
	all := srv.sessions.all()
	slices.SortFunc(all, func(a, b *session) int { return cmp.Compare(a.id, b.id) })
	if max > 0 && len(all) > max {
		all = all[:max]
	}
	now := srv.precise()
	out := make([]serverhost.SessionInfo, len(all))
	for i, s := range all {
		out[i] = serverhost.SessionInfo{
			ID: s.id, UID: s.UID(), Network: s.network, RemoteAddr: s.RemoteAddr(),
			Working: s.state.Load() == stateWorking, Idle: time.Duration(now - s.lastRecv.Load()),
		}
	}
	return out
}

// groupSizes returns the number of members of every group, by name.
func (srv *Server) groupSizes() map[string]int {
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

// registerGauges exports the server's gauges when the recorder takes them.
func (srv *Server) registerGauges() {
	g, ok := srv.metrics.(metrics.Gauges)
	if !ok {
		return
	}
	g.Gauge("gamesrv_sessions", "Open client sessions.", func() float64 { return float64(srv.sessions.len()) }, "server", srv.id)
	g.Gauge("gamesrv_queued_jobs", "Requests and notifies queued or running.", func() float64 { return float64(srv.jobs.Load()) }, "server", srv.id)
	g.Gauge("gamesrv_groups", "Groups.", func() float64 { return float64(srv.stats().Groups) }, "server", srv.id)
}
