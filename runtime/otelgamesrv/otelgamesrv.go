// Package otelgamesrv traces gamesrv calls with OpenTelemetry. It is the
// only package of gamesrv that imports go.opentelemetry.io/otel: a server
// that does not trace does not link it.
//
// [Interceptor] makes a span of every call it wraps. Installed on a server
// (server.Options.Interceptors) it makes a server span per client request
// or notify and per call that another server sends it; installed on the
// server's cluster node (cluster.Options.Interceptors) it makes a client
// span per call the server sends: each client call it forwards and each
// Remote call. The outgoing span's context travels in the call's metadata
// (W3C traceparent and tracestate by default) and the receiving server's
// span continues the trace, so a client's request is one trace across the
// frontend and the backends it reaches:
//
//	room.room.join   server   frontend: the client's request
//	└ room.room.join client   frontend: the forward
//	  └ room.room.join server backend: the handler
//	    └ …          client   backend: a Remote call the handler makes
//
// Spans are named by the call's route and carry its kind, call type,
// session, peer server and, for a failed call, its error code, with the
// span status Error.
package otelgamesrv

import (
	"context"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
)

// ScopeName is the instrumentation scope of the spans: the name of the
// tracer this package gets from the TracerProvider.
const ScopeName = "github.com/gamesrv/gamesrv/runtime/otelgamesrv"

// Attribute keys of the spans.
const (
	// AttrRoute is the call's route ("room.room.join").
	AttrRoute = attribute.Key("gamesrv.route")
	// AttrKind is "request" or "notify".
	AttrKind = attribute.Key("gamesrv.kind")
	// AttrCall is the call type: "client", "forward-out", "forward-in",
	// "remote-out" or "remote-in" (see gamesrv.CallType).
	AttrCall = attribute.Key("gamesrv.call")
	// AttrSessionID is the client session's id on its frontend.
	AttrSessionID = attribute.Key("gamesrv.session.id")
	// AttrFrontend is the id of the frontend holding the session.
	AttrFrontend = attribute.Key("gamesrv.session.frontend")
	// AttrUID is the uid bound to the session when the call ended, if any.
	AttrUID = attribute.Key("gamesrv.session.uid")
	// AttrPeer is the id of the server at the other end of a call between
	// servers.
	AttrPeer = attribute.Key("gamesrv.peer")
	// AttrCode is the error code of a failed call ("GS-404", "APP-FULL").
	AttrCode = attribute.Key("gamesrv.code")
)

// Options configures [Interceptor]. The zero value gives the defaults
// written on each field.
type Options struct {
	// TracerProvider makes the tracer of the spans. Default: the global
	// provider, otel.GetTracerProvider().
	TracerProvider trace.TracerProvider

	// Propagator writes the trace context into the metadata of outgoing
	// calls and reads it from incoming ones. Every server of a cluster
	// must use the same. Default: propagation.TraceContext{}, the W3C
	// traceparent and tracestate (not the global propagator, which is a
	// no-op until set, and would silently cut traces at each link).
	Propagator propagation.TextMapPropagator
}

// Interceptor returns an interceptor that makes a span of every call it
// wraps: a server span for a call this server runs, whose parent is the
// trace context in the call's metadata when it has one; a client span for
// a call it sends, whose trace context it writes into the call's metadata.
func Interceptor(opts Options) gamesrv.Interceptor {
	tp := opts.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	t := &tracer{
		tracer: tp.Tracer(ScopeName, trace.WithInstrumentationVersion(gamesrv.Version)),
		prop:   opts.Propagator,
	}
	if t.prop == nil {
		t.prop = propagation.TraceContext{}
	}
	return t.wrap
}

type tracer struct {
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

func (t *tracer) wrap(next gamesrv.Handler) gamesrv.Handler {
	return func(ctx context.Context, c *gamesrv.Call) (proto.Message, error) {
		kind := trace.SpanKindServer
		if c.Type.Outgoing() {
			kind = trace.SpanKindClient
		} else if len(c.Metadata) > 0 {
			ctx = t.prop.Extract(ctx, propagation.MapCarrier(c.Metadata))
		}
		ctx, span := t.tracer.Start(ctx, c.Route, trace.WithSpanKind(kind), trace.WithAttributes(startAttributes(c)...))
		defer span.End()
		if c.Type.Outgoing() {
			if c.Metadata == nil {
				c.Metadata = make(map[string]string, 2)
			}
			t.prop.Inject(ctx, propagation.MapCarrier(c.Metadata))
		}
		resp, err := next(ctx, c)
		if span.IsRecording() {
			endAttributes(span, c, err)
		}
		return resp, err
	}
}

// startAttributes describes a call as it starts.
func startAttributes(c *gamesrv.Call) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attribute.String("rpc.system", "gamesrv"), AttrRoute.String(c.Route), AttrKind.String(c.Kind.String()), AttrCall.String(c.Type.String())}
	if s := c.Session; s != nil {
		attrs = append(attrs, AttrSessionID.Int64(s.ID()))
		if f := s.FrontendID(); f != "" {
			attrs = append(attrs, AttrFrontend.String(f))
		}
	}
	return attrs
}

// endAttributes records what is known once a call ended: the uid (a login
// binds it during the call), the peer (an outgoing call's server is
// chosen inside next) and the error.
func endAttributes(span trace.Span, c *gamesrv.Call, err error) {
	if s := c.Session; s != nil {
		if uid := s.UID(); uid != "" {
			span.SetAttributes(AttrUID.String(uid))
		}
	}
	if c.Peer != "" {
		span.SetAttributes(AttrPeer.String(c.Peer))
	}
	if err != nil {
		e := gamesrv.AsError(err)
		span.SetAttributes(AttrCode.String(string(e.Code())))
		span.SetStatus(codes.Error, e.Message())
	}
}
