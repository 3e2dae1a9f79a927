package cluster

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// Call implements gamesrv.RemoteConn: generated XxxRemote stubs call it.
// The server is chosen by the call options (ToServer, WithKey, WithPolicy,
// WithRouter) among the alive servers of the route's type; a call to this
// server itself runs in process. Without a deadline the call gets
// Options.CallTimeout.
func (n *Node) Call(ctx context.Context, route string, req, resp proto.Message, opts ...gamesrv.CallOption) (err error) {
	defer n.recordCall(route, time.Now(), &err)
	m, err := n.pick(ctx, route, gamesrv.NewCallOptions(opts...))
	if err != nil {
		return err
	}
	payload, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	out, err := n.callMember(ctx, m, route, payload)
	if err != nil {
		return err
	}
	return proto.Unmarshal(out, resp)
}

// Notify implements gamesrv.RemoteConn: the call is sent, nothing waits
// for its outcome.
func (n *Node) Notify(ctx context.Context, route string, req proto.Message, opts ...gamesrv.CallOption) (err error) {
	defer n.recordCall(route, time.Now(), &err)
	m, err := n.pick(ctx, route, gamesrv.NewCallOptions(opts...))
	if err != nil {
		return err
	}
	payload, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	if m.ID == n.id {
		_, err := n.host.HandleRemote(ctx, nil, route, payload, gamesrv.ProtobufSerializer{}, true)
		return err
	}
	l, err := n.linkTo(ctx, m)
	if err != nil {
		return err
	}
	return l.notify(ctx, &gamesrvv1.Call{Route: route, Payload: payload})
}

// Broadcast implements gamesrv.RemoteConn: the call goes to every alive
// server of the route's type at once; the results are sorted by server id.
func (n *Node) Broadcast(ctx context.Context, route string, req proto.Message, newResp func() proto.Message, _ ...gamesrv.CallOption) []gamesrv.Result {
	payload, err := proto.Marshal(req)
	members := n.ms.ByType(routeType(route))
	results := make([]gamesrv.Result, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		results[i].ServerID = m.ID
		if err != nil {
			results[i].Err = err
			continue
		}
		wg.Go(func() { results[i].Response, results[i].Err = n.callDecoded(ctx, m, route, payload, newResp) })
	}
	wg.Wait()
	slices.SortFunc(results, func(a, b gamesrv.Result) int { return strings.Compare(a.ServerID, b.ServerID) })
	return results
}

// recordCall reports a remote call to the metrics.
func (n *Node) recordCall(route string, start time.Time, err *error) {
	code := "OK"
	if *err != nil {
		code = string(gamesrv.CodeOf(*err))
	}
	n.metrics.RemoteCall(route, code, time.Since(start))
}

func (n *Node) callDecoded(ctx context.Context, m Member, route string, payload []byte, newResp func() proto.Message) (proto.Message, error) {
	start := time.Now()
	out, err := n.callMember(ctx, m, route, payload)
	n.recordCall(route, start, &err)
	if err != nil {
		return nil, err
	}
	resp := newResp()
	return resp, proto.Unmarshal(out, resp)
}

// callMember sends a call to one server and returns the serialized answer.
func (n *Node) callMember(ctx context.Context, m Member, route string, payload []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.opts.CallTimeout)
		defer cancel()
	}
	if m.ID == n.id {
		return n.host.HandleRemote(ctx, nil, route, payload, gamesrv.ProtobufSerializer{}, false)
	}
	l, err := n.linkTo(ctx, m)
	if err != nil {
		return nil, err
	}
	r, err := l.call(ctx, &gamesrvv1.Call{Route: route, Payload: payload})
	if err != nil {
		return nil, err
	}
	if err := replyError(r.GetError()); err != nil {
		return nil, err
	}
	return r.GetPayload(), nil
}
