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
