// Package echosvc implements the benchmark's EchoService: the cheapest
// handler a game server can have, so that the suite measures the framework
// and not the game.
package echosvc

import (
	"context"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// Handler answers Echo with the request's data.
type Handler struct {
	benchv1.UnimplementedEchoServiceHandler
}

var _ benchv1.EchoServiceHandler = (*Handler)(nil)

// Echo returns a response carrying req's data.
func (*Handler) Echo(_ context.Context, _ gamesrv.Session, req *benchv1.EchoRequest) (*benchv1.EchoResponse, error) {
	return &benchv1.EchoResponse{Data: req.GetData()}, nil
}
