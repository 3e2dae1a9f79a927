package admin

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// The debug page and its JSON list at most these many sessions and groups.
const (
	// MaxSessions is the number of sessions listed, the first by id.
	MaxSessions = 200
	// MaxGroups is the number of groups listed, the first by name.
	MaxGroups = 200
)

// Snapshot is what /debug/gamesrv shows and /debug/gamesrv.json answers.
type Snapshot struct {
	Server ServerInfo `json:"server"`
	// Groups are the first MaxGroups groups by name, of GroupsTotal.
	Groups      []GroupInfo `json:"groups"`
	GroupsTotal int         `json:"groups_total"`
	// Routes is the route table that clients see (internal routes are not
	// in it); empty before the server started.
	Routes []RouteInfo `json:"routes"`
	// Members are the cluster members in this server's view, by id; empty
	// without a cluster node.
	Members []MemberInfo `json:"members"`
	// Sessions are the first MaxSessions sessions by id, of
	// Server.Sessions.
	Sessions []SessionInfo `json:"sessions"`
}

// ServerInfo describes the server and its state.
type ServerInfo struct {
	ID            string  `json:"id"`
	Type          string  `json:"type"`
	Frontend      bool    `json:"frontend"`
	Ready         bool    `json:"ready"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	Sessions      int     `json:"sessions"`
	QueuedJobs    int64   `json:"queued_jobs"`
	PushEncodes   int64   `json:"push_encodes"`
	Groups        int     `json:"groups"`
	// LinkAddr and GossipAddr are the cluster node's addresses; empty
	// without one.
	LinkAddr   string `json:"link_addr,omitempty"`
	GossipAddr string `json:"gossip_addr,omitempty"`
}

// GroupInfo is a group and its number of members.
type GroupInfo struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// RouteInfo is one route of the route table, as the gamesrv.describe
// route describes it.
type RouteInfo struct {
	Route        string `json:"route"`
	Kind         string `json:"kind"`
	Code         uint32 `json:"code,omitempty"` // dictionary code; 0: none
	Service      string `json:"service"`
	Method       string `json:"method"`
	RequestType  string `json:"request_type,omitempty"`
	ResponseType string `json:"response_type,omitempty"`
	Remote       bool   `json:"remote"` // served by another server type of the cluster
}

// MemberInfo is one cluster member (see cluster.Member).
type MemberInfo struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Frontend   bool   `json:"frontend"`
	LinkAddr   string `json:"link_addr"`
	GossipAddr string `json:"gossip_addr"`
	Version    string `json:"version"`
	Weight     int    `json:"weight"`
	Leaving    bool   `json:"leaving"`
	Self       bool   `json:"self"`
}

// SessionInfo is one client session.
type SessionInfo struct {
	ID          int64   `json:"id"`
	UID         string  `json:"uid"`
	Network     string  `json:"network"`
	RemoteAddr  string  `json:"remote_addr"`
	Working     bool    `json:"working"`
	IdleSeconds float64 `json:"idle_seconds"`
}

// Snapshot returns the current state of the server, as the debug page
// shows it.
func (a *Admin) Snapshot() Snapshot {
	srv := a.opts.Server
	h := serverhost.Of(srv.Internal)
	snap := Snapshot{Server: serverInfo(srv, h), Routes: routes(h), Sessions: sessions(h), Members: []MemberInfo{}}
	snap.Groups, snap.GroupsTotal = groups(h)
	if n := a.opts.Node; n != nil {
		snap.Server.LinkAddr = n.LinkAddr()
		snap.Members = members(n)
		if ms := n.Membership(); ms != nil {
			snap.Server.GossipAddr = ms.GossipAddr()
		}
	}
	return snap
}

func serverInfo(srv *server.Server, h serverhost.Host) ServerInfo {
	st := h.Stats()
	return ServerInfo{
		ID: srv.ID(), Type: srv.ServerType(), Frontend: h.Frontend(), Ready: srv.Ready(),
		UptimeSeconds: st.Uptime.Seconds(), Sessions: st.Sessions, QueuedJobs: st.QueuedJobs,
		PushEncodes: st.PushEncodes, Groups: st.Groups,
	}
}

func groups(h serverhost.Host) ([]GroupInfo, int) {
	sizes := h.GroupSizes()
	names := slices.Sorted(maps.Keys(sizes))
	out := make([]GroupInfo, 0, min(len(names), MaxGroups))
	for _, name := range names[:min(len(names), MaxGroups)] {
		out = append(out, GroupInfo{Name: name, Size: sizes[name]})
	}
	return out, len(names)
}

func routes(h serverhost.Host) []RouteInfo {
	schema := h.Schema()
	out := make([]RouteInfo, 0, len(schema.GetRoutes()))
	for _, r := range schema.GetRoutes() {
		out = append(out, RouteInfo{
			Route: r.GetRoute(), Kind: r.GetKind(), Code: r.GetCode(), Service: r.GetService(), Method: r.GetMethod(),
			RequestType: r.GetRequestType(), ResponseType: r.GetResponseType(), Remote: r.GetRemote(),
		})
	}
	return out
}

func sessions(h serverhost.Host) []SessionInfo {
	infos := h.SessionInfos(MaxSessions)
	out := make([]SessionInfo, len(infos))
	for i, s := range infos {
		out[i] = SessionInfo{
			ID: s.ID, UID: s.UID, Network: s.Network, RemoteAddr: s.RemoteAddr,
			Working: s.Working, IdleSeconds: s.Idle.Seconds(),
		}
	}
	return out
}

func members(n *cluster.Node) []MemberInfo {
	ms := n.Membership()
	if ms == nil {
		return []MemberInfo{}
	}
	all := ms.Members()
	slices.SortFunc(all, func(a, b cluster.Member) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]MemberInfo, len(all))
	for i, m := range all {
		out[i] = MemberInfo{
			ID: m.ID, Type: m.Type, Frontend: m.Frontend, LinkAddr: m.LinkAddr, GossipAddr: m.GossipAddr,
			Version: m.Version, Weight: m.Weight, Leaving: m.Leaving, Self: m.ID == n.ID(),
		}
	}
	return out
}

// duration formats seconds for the page: 1.234s, 2m3s.
func duration(seconds float64) string {
	d := time.Duration(seconds * float64(time.Second))
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}
