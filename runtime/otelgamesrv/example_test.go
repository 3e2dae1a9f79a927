package otelgamesrv_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/gamesrv/gamesrv/examples/chat/chatserver"
	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/otelgamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A connector forwards a client's Join to a chat server; both trace their
// calls, on the server (the calls it runs) and on its cluster node (the
// calls it sends). The three spans are one trace. A real deployment gives
// each process a TracerProvider that exports to a collector (OTLP); here
// both servers share one that keeps the spans in memory.
func Example() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(ctx)

	tracing := otelgamesrv.Interceptor(otelgamesrv.Options{TracerProvider: tp})
	chat, err := server.New(server.Options{ServerID: "chat-1", Logger: quiet, Interceptors: []gamesrv.Interceptor{tracing}})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := chatserver.Register(chat); err != nil {
		log.Fatal(err)
	}
	chatNode, err := cluster.New(chat, cluster.Options{Profile: cluster.ProfileFast, Interceptors: []gamesrv.Interceptor{tracing}})
	if err != nil {
		log.Fatal(err)
	}
	if err := chat.Start(); err != nil {
		log.Fatal(err)
	}
	defer chat.Shutdown(ctx)

	conn, err := server.New(server.Options{ServerID: "connector-1", ServerType: "connector", Logger: quiet,
		Interceptors: []gamesrv.Interceptor{tracing}})
	if err != nil {
		log.Fatal(err)
	}
	chatJoined := make(chan struct{}, 1)
	_, err = cluster.New(conn, cluster.Options{
		Profile: cluster.ProfileFast, Seeds: []string{chatNode.Membership().GossipAddr()},
		Interceptors: []gamesrv.Interceptor{tracing},
		OnJoin: func(m cluster.Member) {
			if m.Type == chatv1.RoomServiceServerType {
				select {
				case chatJoined <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ln := tcp.New("127.0.0.1:0", tcp.Options{})
	if err := conn.Start(ln); err != nil {
		log.Fatal(err)
	}
	defer conn.Shutdown(ctx)
	<-chatJoined

	c, err := client.Dial(ctx, "tcp://"+ln.Addr().String(), client.Options{Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := chatv1.NewRoomServiceClient(c).Join(ctx, &chatv1.JoinRequest{Room: "lobby", Name: "ann"}); err != nil {
		log.Fatal(err)
	}
	ended := spans.GetSpans() // in the order they ended: the innermost first
	for _, s := range ended {
		fmt.Println(s.Name, s.SpanKind, s.SpanContext.TraceID() == ended[0].SpanContext.TraceID())
	}
	// Output:
	// chat.room.join server true
	// chat.room.join client true
	// chat.room.join server true
}
