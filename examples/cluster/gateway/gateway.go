// Package gateway implements the cluster example's GateService, which runs
// on the connector: the frontend that holds the players' TCP and KCP
// connections and forwards their room requests to the room servers.
package gateway

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"

	connectorv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/connector/v1"
	roomv1 "github.com/gamesrv/gamesrv/examples/cluster/gen/room/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// CodeBadName answers a Login with an empty or too long name.
const CodeBadName gamesrv.Code = "GATE-BAD-NAME"

const maxNameLen = 32

// Handler implements connectorv1.GateServiceHandler.
type Handler struct {
	connectorv1.UnimplementedGateServiceHandler

	srv   *server.Server
	rooms roomv1.RoomServiceRemote
	log   *slog.Logger
}

var _ connectorv1.GateServiceHandler = (*Handler)(nil)

// Register creates the handler and registers it on srv. remote reaches the
// other servers of the cluster (a *cluster.Node); a nil logger means the
// server's.
func Register(srv *server.Server, remote gamesrv.RemoteConn, log *slog.Logger) (*Handler, error) {
	if log == nil {
		log = srv.Logger()
	}
	h := &Handler{srv: srv, rooms: roomv1.NewRoomServiceRemote(remote), log: log}
	return h, connectorv1.RegisterGateServiceHandler(srv, h)
}

// Login binds the player's name as the session's uid. The uid makes the
// connector's default forward policy sticky to the player, and lets room
// servers push to the player by uid.
func (h *Handler) Login(ctx context.Context, s gamesrv.Session, req *connectorv1.LoginRequest) (*connectorv1.LoginResponse, error) {
	name := strings.TrimSpace(req.GetName())
	if name == "" || utf8.RuneCountInString(name) > maxNameLen {
		return nil, gamesrv.Errorf(CodeBadName, "name must be 1 to %d characters", maxNameLen)
	}
	if err := s.Bind(ctx, name); err != nil {
		return nil, err
	}
	h.log.Debug("player logged in", "uid", name, "session", s.ID())
	return &connectorv1.LoginResponse{Uid: name, ServerId: h.srv.ID()}, nil
}

// Ping answers with the connector's id.
func (h *Handler) Ping(context.Context, gamesrv.Session, *connectorv1.PingRequest) (*connectorv1.PingResponse, error) {
	return &connectorv1.PingResponse{ServerId: h.srv.ID()}, nil
}

// RoomServers broadcasts RoomService.Stats to every room server and
// reports their answers.
func (h *Handler) RoomServers(ctx context.Context, _ gamesrv.Session, _ *connectorv1.RoomServersRequest) (*connectorv1.RoomServersResponse, error) {
	replies := h.rooms.BroadcastStats(ctx, &roomv1.StatsRequest{})
	out := &connectorv1.RoomServersResponse{Servers: make([]*connectorv1.RoomServer, 0, len(replies))}
	for _, r := range replies {
		rs := &connectorv1.RoomServer{ServerId: r.ServerID}
		if r.Err != nil {
			rs.Error = r.Err.Error()
		} else {
			rs.Players, rs.Rooms = r.Response.GetPlayers(), r.Response.GetRooms()
		}
		out.Servers = append(out.Servers, rs)
	}
	return out, nil
}
