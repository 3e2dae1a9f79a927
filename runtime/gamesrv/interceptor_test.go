package gamesrv_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestChainOrder: the first interceptor is the outermost, each sees what
// the inner ones return, and one that does not call next ends the call.
func TestChainOrder(t *testing.T) {
	var order []string
	trace := func(name string) gamesrv.Interceptor {
		return func(next gamesrv.Handler) gamesrv.Handler {
			return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
				order = append(order, name+" in")
				resp, err := next(ctx, c)
				order = append(order, name+" out")
				return resp, err
			}
		}
	}
	deny := func(gamesrv.Handler) gamesrv.Handler {
		return func(context.Context, *gamesrv.Call) (proto.Message, error) {
			order = append(order, "deny")
			return nil, gamesrv.NewError("APP-DENIED", "no")
		}
	}
	handler := func(context.Context, *gamesrv.Call) (proto.Message, error) {
		order = append(order, "handler")
		return wrapperspb.String("ok"), nil
	}
	for _, tc := range []struct {
		name         string
		interceptors []gamesrv.Interceptor
		want         []string
		code         gamesrv.Code
	}{
		{"none", nil, []string{"handler"}, ""},
		{"two", []gamesrv.Interceptor{trace("a"), trace("b")}, []string{"a in", "b in", "handler", "b out", "a out"}, ""},
		{"nil skipped", []gamesrv.Interceptor{nil, trace("a"), nil}, []string{"a in", "handler", "a out"}, ""},
		{"denied", []gamesrv.Interceptor{trace("a"), deny, trace("b")}, []string{"a in", "deny", "a out"}, "APP-DENIED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			order = nil
			_, err := gamesrv.Chain(handler, tc.interceptors...)(context.Background(), &gamesrv.Call{Route: "a.b.c"})
			if !slices.Equal(order, tc.want) || gamesrv.CodeOf(err) != tc.code {
				t.Errorf("ran %v (%v), want %v (%q)", order, err, tc.want, tc.code)
			}
		})
	}
}

func TestCallType(t *testing.T) {
	for _, tc := range []struct {
		typ      gamesrv.CallType
		name     string
		outgoing bool
	}{
		{gamesrv.CallClient, "client", false},
		{gamesrv.CallForwardOut, "forward-out", true},
		{gamesrv.CallForwardIn, "forward-in", false},
		{gamesrv.CallRemoteOut, "remote-out", true},
		{gamesrv.CallRemoteIn, "remote-in", false},
		{0, "unknown", false},
	} {
		if tc.typ.String() != tc.name || tc.typ.Outgoing() != tc.outgoing {
			t.Errorf("%d: %q outgoing %t, want %q %t", tc.typ, tc.typ, tc.typ.Outgoing(), tc.name, tc.outgoing)
		}
	}
}
