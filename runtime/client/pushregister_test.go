package client_test

import (
	"context"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// pushRoute returns a push route that hands its string to a *pushes.
func pushRoute(name string) gamesrv.Route {
	r := pushDesc.Routes[0]
	r.Name = name
	return r
}

// TestRegisterPushHandlerRejectsDuplicateRoutes: a push route has one
// handler; a second registration of it (another service with the same
// route, or the same service again) is an error naming the route and both
// services, and registers nothing of the rejected service.
func TestRegisterPushHandlerRejectsDuplicateRoutes(t *testing.T) {
	requestOnThing := gamesrv.Route{
		Name: "onThing", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
	}
	tests := []struct {
		name string
		desc gamesrv.ServiceDesc
		want string // "" for success
	}{
		{
			name: "same route in another service",
			desc: gamesrv.ServiceDesc{Name: "u.Other", ServerType: "u", Routes: []gamesrv.Route{pushRoute("onOther"), pushRoute("onThing")}},
			want: `gamesrv: push route "onThing" registered twice (t.S and u.Other)`,
		},
		{
			name: "same service twice",
			desc: pushDesc,
			want: `gamesrv: push route "onThing" registered twice (t.S and t.S)`,
		},
		{
			name: "route twice in one service",
			desc: gamesrv.ServiceDesc{Name: "u.Twice", ServerType: "u", Routes: []gamesrv.Route{pushRoute("onOther"), pushRoute("onOther")}},
			want: `gamesrv: push route "onOther" registered twice (u.Twice and u.Twice)`,
		},
		{
			name: "request route named like a push route",
			desc: gamesrv.ServiceDesc{Name: "u.Requests", ServerType: "u", Routes: []gamesrv.Route{requestOnThing}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New("127.0.0.1:1", opts())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			if err := c.RegisterPushHandler(&pushDesc, &pushes{}); err != nil {
				t.Fatal(err)
			}
			err = c.RegisterPushHandler(&tt.desc, &pushes{})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("RegisterPushHandler: %v, want success", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("RegisterPushHandler error = %v, want %s", err, tt.want)
			}
		})
	}
}

// TestRejectedPushHandlerChangesNothing: after a registration is rejected,
// the pushes of the route still reach the first handler, and the other
// routes of the rejected service were not registered (they reach the raw
// handler).
func TestRejectedPushHandlerChangesNothing(t *testing.T) {
	addr := serve(t, pushOnConnect)
	c, err := client.New(addr, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	first := &pushes{ch: make(chan string, 3)}
	if err := c.RegisterPushHandler(&pushDesc, first); err != nil {
		t.Fatal(err)
	}
	// onOther comes first: it would be registered if registration were not
	// all or nothing.
	other := gamesrv.ServiceDesc{Name: "u.Other", ServerType: "u", Routes: []gamesrv.Route{pushRoute("onOther"), pushRoute("onThing")}}
	second := &pushes{ch: make(chan string, 4)}
	if err := c.RegisterPushHandler(&other, second); err == nil {
		t.Fatal("second handler of onThing registered")
	}
	rawc := make(chan string, 1)
	c.HandleRawPush(func(route string, _ []byte) { rawc <- route })
	if err := c.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	expectPushes(t, first, rawc)
	if len(second.ch) != 0 {
		t.Errorf("the rejected handler got %d pushes", len(second.ch))
	}
}
