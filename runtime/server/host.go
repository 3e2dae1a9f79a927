package server

import (
	"context"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"google.golang.org/protobuf/proto"
)

// host is what gamesrv's own packages reach through Server.Internal: the
// methods that exist for runtime/cluster and runtime/admin, kept off
// Server so that its documentation is the application's API alone.
type host struct{ srv *Server }

var _ serverhost.Host = host{}

// UseCluster implements serverhost.Host.
func (h host) UseCluster(c serverhost.Cluster) error { return h.srv.useCluster(c) }

// HandleRemote implements serverhost.Host.
func (h host) HandleRemote(ctx context.Context, s gamesrv.Session, route string, payload []byte, ser gamesrv.Serializer, notify bool) ([]byte, error) {
	return h.srv.handleRemote(ctx, s, route, payload, ser, notify)
}

// DeliverPacket implements serverhost.Host.
func (h host) DeliverPacket(ids []int64, uids []string, packet []byte) {
	h.srv.deliverPacket(ids, uids, packet)
}

// EncodePush implements serverhost.Host.
func (h host) EncodePush(route string, msg proto.Message) ([]byte, error) {
	return h.srv.encodePush(route, msg)
}

// Metrics implements serverhost.Host.
func (h host) Metrics() metrics.Recorder { return h.srv.metrics }

// Serializer implements serverhost.Host.
func (h host) Serializer() gamesrv.Serializer { return h.srv.opts.Serializer }

// Frontend implements serverhost.Host.
func (h host) Frontend() bool { return h.srv.frontend }

// Stats implements serverhost.Host.
func (h host) Stats() serverhost.Stats { return h.srv.stats() }

// SessionInfos implements serverhost.Host.
func (h host) SessionInfos(max int) []serverhost.SessionInfo { return h.srv.sessionInfos(max) }

// GroupSizes implements serverhost.Host.
func (h host) GroupSizes() map[string]int { return h.srv.groupSizes() }

// Schema implements serverhost.Host.
func (h host) Schema() *gamesrvv1.DescribeResponse { return h.srv.schema }
