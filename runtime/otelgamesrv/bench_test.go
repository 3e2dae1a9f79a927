package otelgamesrv_test

import (
	"context"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/otelgamesrv"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// BenchmarkInterceptor measures what the interceptor adds to one call, on
// each side of a link, with every span sampled (and dropped: no exporter)
// or none.
func BenchmarkInterceptor(b *testing.B) {
	resp := wrapperspb.String("ok")
	handler := func(context.Context, *gamesrv.Call) (proto.Message, error) { return resp, nil }
	for _, sampler := range []struct {
		name string
		s    sdktrace.Sampler
	}{{"sampled", sdktrace.AlwaysSample()}, {"unsampled", sdktrace.NeverSample()}} {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler.s))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		h := gamesrv.Chain(handler, otelgamesrv.Interceptor(otelgamesrv.Options{TracerProvider: tp}))
		for _, typ := range []gamesrv.CallType{gamesrv.CallClient, gamesrv.CallRemoteOut} {
			b.Run(sampler.name+"/"+typ.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c := gamesrv.Call{Route: "room.room.join", Kind: gamesrv.KindRequest, Type: typ}
					if _, err := h(context.Background(), &c); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkForwardedRequest measures a client's request that a connector
// forwards to a room server, one at a time, with every call traced on both
// servers (and its spans exported to memory, then dropped) or none: the
// cost of tracing a forward, and of the worker goroutine it holds.
func BenchmarkForwardedRequest(b *testing.B) {
	for _, traced := range []bool{false, true} {
		b.Run(map[bool]string{false: "untraced", true: "traced"}[traced], func(b *testing.B) {
			gate, room, c := startCluster(b, !traced)
			req, resp := wrapperspb.String("hi"), new(wrapperspb.StringValue)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Request(context.Background(), echoRoute, req, resp); err != nil {
					b.Fatal(err)
				}
				if traced {
					gate.spans.Reset()
					room.spans.Reset()
				}
			}
		})
	}
}
