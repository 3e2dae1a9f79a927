package server

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// Push implements gamesrv.Pusher: generated XxxPusher types call it. A
// group or uid push is encoded once; targets that are offline are skipped.
func (srv *Server) Push(ctx context.Context, to gamesrv.PushTarget, route string, msg proto.Message) error {
	switch {
	case to.Session() != nil:
		return to.Session().Push(ctx, route, msg)
	case to.Group() != "":
		if g := srv.lookupGroup(to.Group()); g != nil {
			return g.Broadcast(ctx, route, msg)
		}
		return nil
	}
	return srv.pushUIDs(ctx, route, msg, to.UIDs())
}

// pushUIDs writes the push to the uids connected here and, in a cluster,
// sends it once to the other frontends for the others.
func (srv *Server) pushUIDs(ctx context.Context, route string, msg proto.Message, uids []string) error {
	if len(uids) == 0 {
		return nil
	}
	pkt, err := srv.encodePush(route, msg)
	if err != nil {
		return err
	}
	missing := srv.writeUIDs(uids, pkt)
	srv.metrics.Pushed(route, len(uids)-len(missing))
	if srv.cluster == nil || len(missing) == 0 {
		return nil
	}
	return srv.cluster.PushToUIDs(ctx, missing, pkt)
}
