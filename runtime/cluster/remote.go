package cluster

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// Call implements gamesrv.RemoteConn: generated XxxRemote stubs call it.
// The server is chosen by the call options (ToServer, WithKey, WithPolicy,
// WithRouter) among the alive servers of the route's type; a call to this
// server itself runs in process. Without a deadline the call gets
// Options.CallTimeout. Options.Interceptors wrap it.
func (n *Node) Call(ctx context.Context, route string, req, resp proto.Message, opts ...gamesrv.CallOption) (err error) {
	defer n.recordCall(route, time.Now(), &err)
	if n.intercepts() {
		c := &gamesrv.Call{Route: route, Kind: gamesrv.KindRequest, Type: gamesrv.CallRemoteOut, Request: req}
		return n.callIntercepted(ctx, c, gamesrv.NewCallOptions(opts...), resp)
	}
	return n.request(ctx, &gamesrv.Call{Route: route, Kind: gamesrv.KindRequest, Request: req}, gamesrv.NewCallOptions(opts...), resp)
}

// callIntercepted is Call through the interceptors. An interceptor that
// returns another message than resp has it copied into resp.
func (n *Node) callIntercepted(ctx context.Context, c *gamesrv.Call, o gamesrv.CallOptions, resp proto.Message) error {
	out, err := n.intercept(ctx, c, func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		if err := n.request(ctx, c, o, resp); err != nil {
			return nil, err
		}
		return resp, nil
	})
	if err == nil && out != nil && out != resp {
		proto.Reset(resp)
		proto.Merge(resp, out)
	}
	return err
}

// request sends the request c to the server chosen by o, sets c.Peer to
// it and unmarshals the answer into resp.
func (n *Node) request(ctx context.Context, c *gamesrv.Call, o gamesrv.CallOptions, resp proto.Message) error {
	m, err := n.pick(ctx, c.Route, o)
	if err != nil {
		return err
	}
	c.Peer = m.ID
	payload, err := proto.Marshal(c.Request)
	if err != nil {
		return err
	}
	out, err := n.callMember(ctx, m, c, payload)
	if err != nil {
		return err
	}
	return proto.Unmarshal(out, resp)
}

// Notify implements gamesrv.RemoteConn: the call is sent, nothing waits
// for its outcome. Options.Interceptors wrap it.
func (n *Node) Notify(ctx context.Context, route string, req proto.Message, opts ...gamesrv.CallOption) (err error) {
	defer n.recordCall(route, time.Now(), &err)
	if n.intercepts() {
		c := &gamesrv.Call{Route: route, Kind: gamesrv.KindNotify, Type: gamesrv.CallRemoteOut, Request: req}
		return n.notifyIntercepted(ctx, c, gamesrv.NewCallOptions(opts...))
	}
	return n.notify(ctx, &gamesrv.Call{Route: route, Kind: gamesrv.KindNotify, Request: req}, gamesrv.NewCallOptions(opts...))
}

// notifyIntercepted is Notify through the interceptors.
func (n *Node) notifyIntercepted(ctx context.Context, c *gamesrv.Call, o gamesrv.CallOptions) error {
	_, err := n.intercept(ctx, c, func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		return nil, n.notify(ctx, c, o)
	})
	return err
}

// notify sends the notify c to the server chosen by o and sets c.Peer to
// it.
func (n *Node) notify(ctx context.Context, c *gamesrv.Call, o gamesrv.CallOptions) error {
	m, err := n.pick(ctx, c.Route, o)
	if err != nil {
		return err
	}
	c.Peer = m.ID
	payload, err := proto.Marshal(c.Request)
	if err != nil {
		return err
	}
	if m.ID == n.id {
		_, err := n.host.HandleRemote(ctx, n.selfCall(c), payload, gamesrv.ProtobufSerializer{})
		return err
	}
	l, err := n.linkTo(ctx, m)
	if err != nil {
		return err
	}
	return l.Notify(ctx, &gamesrvv1.Call{Route: c.Route, Payload: payload, Metadata: c.Metadata})
}

// Broadcast implements gamesrv.RemoteConn: the call goes to every alive
// server of the route's type at once; the results are sorted by server id.
// Options.Interceptors wrap each server's call.
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
		wg.Go(func() { results[i].Response, results[i].Err = n.callOne(ctx, m, route, req, payload, newResp) })
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

// callOne sends one server's call of a broadcast, through the
// interceptors: payload is req marshalled, unless an interceptor replaces
// the request.
func (n *Node) callOne(ctx context.Context, m Member, route string, req proto.Message, payload []byte, newResp func() proto.Message) (proto.Message, error) {
	start := time.Now()
	c := &gamesrv.Call{Route: route, Kind: gamesrv.KindRequest, Type: gamesrv.CallRemoteOut, Request: req, Peer: m.ID}
	send := func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		p := payload
		if c.Request != req {
			var err error
			if p, err = proto.Marshal(c.Request); err != nil {
				return nil, err
			}
		}
		return n.callDecoded(ctx, m, c, p, newResp)
	}
	var resp proto.Message
	var err error
	if n.intercepts() {
		resp, err = n.intercept(ctx, c, send)
	} else {
		resp, err = send(ctx, c)
	}
	n.recordCall(route, start, &err)
	return resp, err
}

func (n *Node) callDecoded(ctx context.Context, m Member, c *gamesrv.Call, payload []byte, newResp func() proto.Message) (proto.Message, error) {
	out, err := n.callMember(ctx, m, c, payload)
	if err != nil {
		return nil, err
	}
	resp := newResp()
	return resp, proto.Unmarshal(out, resp)
}

// callMember sends the call c to one server and returns the serialized
// answer.
func (n *Node) callMember(ctx context.Context, m Member, c *gamesrv.Call, payload []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, n.opts.CallTimeout)
		defer cancel()
	}
	if m.ID == n.id {
		return n.host.HandleRemote(ctx, n.selfCall(c), payload, gamesrv.ProtobufSerializer{})
	}
	l, err := n.linkTo(ctx, m)
	if err != nil {
		return nil, err
	}
	r, err := l.Call(ctx, &gamesrvv1.Call{Route: c.Route, Payload: payload, Metadata: c.Metadata})
	if err != nil {
		return nil, err
	}
	if err := link.ReplyError(r.GetError()); err != nil {
		return nil, err
	}
	return r.GetPayload(), nil
}

// selfCall describes an outgoing call to this server itself as the
// incoming call that runs in process, with a copy of its metadata.
func (n *Node) selfCall(c *gamesrv.Call) gamesrv.Call {
	return gamesrv.Call{Route: c.Route, Kind: c.Kind, Type: gamesrv.CallRemoteIn, Peer: n.id, Metadata: maps.Clone(c.Metadata)}
}
