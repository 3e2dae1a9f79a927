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
	return srv.pushUIDs(route, msg, to.UIDs())
}

func (srv *Server) pushUIDs(route string, msg proto.Message, uids []string) error {
	if len(uids) == 0 {
		return nil
	}
	pkt, err := srv.encodePush(route, msg)
	if err != nil {
		return err
	}
	for _, uid := range uids {
		srv.uidMu.Lock()
		s := srv.uids[uid]
		srv.uidMu.Unlock()
		if s != nil && s.pushable() == nil {
			_ = s.write(pkt)
		}
	}
	return nil
}
