package main

import (
	"context"
	"flag"
	"fmt"
	"testing"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// dispatchHandler is the trivial handler of row 4. It returns a response
// allocated once, so that the allocations measured are the dispatcher's.
type dispatchHandler struct {
	benchv1.UnimplementedEchoServiceHandler
	resp *benchv1.EchoResponse
}

// Echo returns the shared response.
func (h *dispatchHandler) Echo(context.Context, gamesrv.Session, *benchv1.EchoRequest) (*benchv1.EchoResponse, error) {
	return h.resp, nil
}

// dispatchResult is one side of row 4.
type dispatchResult struct {
	ns            float64
	allocs, bytes int64
	n             int
}

// runDispatchRow measures row 4 in process with testing.Benchmark: one
// call of the Echo handler through the generated route table (route lookup
// in a map, Route.NewRequest, Route.Handle) against the reflection-based
// dispatcher (route lookup in a map, reflect.New, Method.Func.Call).
// Neither unmarshals the payload.
func runDispatchRow(ctx context.Context, e *env) ([]Row, error) {
	if f := flag.Lookup("test.benchtime"); f != nil {
		if err := f.Value.Set(e.cfg.benchtime); err != nil {
			return nil, err
		}
	}
	h := &dispatchHandler{resp: &benchv1.EchoResponse{Data: []byte("pong")}}
	srv, err := inProcessServer(h)
	if err != nil {
		return nil, err
	}
	defer shutdown(srv)
	sessions, _, err := openSessions(srv, 1)
	if err != nil {
		return nil, err
	}
	gen, err := benchGenerated(ctx, h, sessions[0])
	if err != nil {
		return nil, err
	}
	refl, err := benchReflect(ctx, h, sessions[0])
	if err != nil {
		return nil, err
	}
	e.logf("generated %.1f ns/op %d allocs/op; reflection %.1f ns/op %d allocs/op", gen.ns, gen.allocs, refl.ns, refl.allocs)
	return []Row{dispatchRow(gen, refl)}, nil
}

// benchGenerated benchmarks the generated route table.
func benchGenerated(ctx context.Context, h *dispatchHandler, s gamesrv.Session) (dispatchResult, error) {
	routes := map[string]*gamesrv.Route{}
	for i := range benchv1.EchoService_ServiceDesc.Routes {
		r := &benchv1.EchoService_ServiceDesc.Routes[i]
		routes[r.Name] = r
	}
	route := benchv1.EchoServiceEchoRoute
	if _, err := dispatchGenerated(ctx, routes, route, h, s); err != nil {
		return dispatchResult{}, err
	}
	var failed error
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := dispatchGenerated(ctx, routes, route, h, s); err != nil {
				failed = err
			}
		}
	})
	return toDispatchResult(res), failed
}

// dispatchGenerated is what the server does per request, minus the
// unmarshal: look the route up, make its request, call Handle.
func dispatchGenerated(ctx context.Context, routes map[string]*gamesrv.Route, route string, h any, s gamesrv.Session) (proto.Message, error) {
	r, ok := routes[route]
	if !ok {
		return nil, errNoRoute
	}
	return r.Handle(ctx, h, s, r.NewRequest())
}

// benchReflect benchmarks the reflection-based dispatcher.
func benchReflect(ctx context.Context, h *dispatchHandler, s gamesrv.Session) (dispatchResult, error) {
	d, err := newReflectDispatcher(benchv1.EchoServiceServerType, "echoservice", h)
	if err != nil {
		return dispatchResult{}, err
	}
	route := benchv1.EchoServiceEchoRoute
	if _, err := d.dispatch(ctx, route, s); err != nil {
		return dispatchResult{}, fmt.Errorf("reflection dispatcher: %w", err)
	}
	var failed error
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.dispatch(ctx, route, s); err != nil {
				failed = err
			}
		}
	})
	return toDispatchResult(res), failed
}

func toDispatchResult(r testing.BenchmarkResult) dispatchResult {
	return dispatchResult{ns: float64(r.T.Nanoseconds()) / float64(max(r.N, 1)), allocs: r.AllocsPerOp(), bytes: r.AllocedBytesPerOp(), n: r.N}
}

// dispatchRow builds row 4: the budget is a 5x speed-up and no allocation
// besides the request message.
func dispatchRow(gen, refl dispatchResult) Row {
	speedup := refl.ns / max(gen.ns, 0.001)
	row := Row{
		ID: "4", Name: "dispatch: generated route table vs reflection",
		Measured: gen.ns, Baseline: refl.ns, Unit: "ns/op",
		MeasuredName: "generated", BaselineName: "reflect dispatcher", Ratio: speedup, RatioText: fmt.Sprintf("%.1f× faster", speedup),
		Budget: "≥ 5× faster, 0 allocs besides the request", Better: "lower", RatioBetter: "higher",
		Pass: speedup >= 5,
		Details: fmt.Sprintf("per call, no unmarshal on either side, trivial handler returning a preallocated response: "+
			"generated = map lookup + Route.NewRequest + Route.Handle: %.1f ns/op, %d allocs/op (%d B: the request message); "+
			"reflection (Pitaya-style, methods looked up at registration) = map lookup + reflect.New + Method.Func.Call: %.1f ns/op, %d allocs/op (%d B); "+
			"testing.Benchmark, %d and %d iterations",
			gen.ns, gen.allocs, gen.bytes, refl.ns, refl.allocs, refl.bytes, gen.n, refl.n),
	}
	return withChecks(row, Check{Name: checkNoAllocs, OK: gen.allocs <= 1,
		Detail: fmt.Sprintf("generated dispatch: %d allocs/op, the request message is 1", gen.allocs)})
}
