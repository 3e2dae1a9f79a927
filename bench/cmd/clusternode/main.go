// Command clusternode is one server of the cluster-scale harness
// (bench/clusterscale, make cluster-scale): a gamesrv server with a
// cluster node and nothing else, of type "room" (serves the internal
// route room.room.whoami, and room.room.echo to clients) or "caller" (calls
// whoami, round robin, when told). With -listen, a server also takes client
// connections on TCP: a caller then forwards their room.room.echo requests
// to the rooms (it is the cluster's frontend).
//
//	clusternode -id room-1 -type room -profile fast -seeds 127.0.0.1:7946
//	clusternode -id caller-0 -type caller -listen 127.0.0.1:0
//
// It writes JSON lines on stdout: "ready" once started (its gossip
// address, client address and boot id), then one line per membership event ("join",
// "leave" with graceful, "update") stamped with the wall clock in
// nanoseconds, and "stats" when asked. It reads commands on stdin:
// "stats", "call <calls/s> <deadline ms>" (start calling), "nocall",
// "cpuprofile <file>" (start a CPU profile) and "cpuprofile-stop" (write
// it; answered by a "profiled" line). -cpuprofile profiles the whole run.
// It shuts down gracefully on SIGTERM or SIGINT, or when stdin closes.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/cpuprof"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
	"github.com/gamesrv/gamesrv/runtime/transport/tcp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// whoamiRoute is the internal route rooms serve and callers call.
const whoamiRoute = "room.room.whoami"

// echoRoute is the client route rooms serve (the request's bytes back),
// reached through a frontend: the client load of clusterscale.
const echoRoute = "room.room.echo"

var roomDesc = gamesrv.ServiceDesc{
	Name: "bench.Room", ServerType: "room",
	Routes: []gamesrv.Route{{
		Name: whoamiRoute, Method: "Whoami", Kind: gamesrv.KindRequest, Internal: true,
		NewRequest: func() proto.Message { return new(emptypb.Empty) },
		Handle: func(_ context.Context, h any, _ gamesrv.Session, _ proto.Message) (proto.Message, error) {
			return wrapperspb.String(h.(*server.Server).ID()), nil
		},
	}, {
		Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
		NewRequest: func() proto.Message { return new(wrapperspb.BytesValue) },
		Handle: func(_ context.Context, _ any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
			return req, nil
		},
	}},
}

// event is one line of output.
type event struct {
	Ev       string         `json:"ev"`
	T        int64          `json:"t"` // wall clock, ns
	ID       string         `json:"id,omitempty"`
	Boot     string         `json:"boot,omitempty"`
	Gossip   string         `json:"gossip,omitempty"`
	Listen   string         `json:"listen,omitempty"` // the client listener, tcp://host:port
	Member   string         `json:"member,omitempty"`
	MBoot    string         `json:"mboot,omitempty"`
	Graceful bool           `json:"graceful,omitempty"`
	Members  int            `json:"members,omitempty"`
	Links    int            `json:"links,omitempty"`
	Ready    bool           `json:"ready,omitempty"`
	Calls    map[string]int `json:"calls,omitempty"` // outcome code -> count
	Late     int            `json:"late,omitempty"`  // calls that ended over 50 ms after their deadline
	MaxMs    float64        `json:"max_ms,omitempty"`
	GCs      uint64         `json:"gcs,omitempty"` // GC cycles since the start
	Gs       int            `json:"goroutines,omitempty"`
	Err      string         `json:"err,omitempty"`
}

// out serialises the output lines.
type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) emit(e event) {
	if e.T == 0 {
		e.T = time.Now().UnixNano()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(e)
}

// caller makes round-robin calls and counts their outcomes.
type caller struct {
	node    *cluster.Node
	mu      sync.Mutex
	calls   map[string]int
	late    int
	max     time.Duration
	running atomic.Pointer[context.CancelFunc]
	wg      sync.WaitGroup
}

func (c *caller) start(rate int, deadline time.Duration) {
	c.stop()
	ctx, cancel := context.WithCancel(context.Background())
	c.running.Store(&cancel)
	c.wg.Go(func() {
		t := time.NewTicker(time.Second / time.Duration(max(rate, 1)))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				c.wg.Go(func() { c.one(deadline) })
			case <-ctx.Done():
				return
			}
		}
	})
}

func (c *caller) stop() {
	if cancel := c.running.Swap(nil); cancel != nil {
		(*cancel)()
	}
}

func (c *caller) one(deadline time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err := c.node.Call(ctx, whoamiRoute, &emptypb.Empty{}, new(wrapperspb.StringValue))
	took := time.Since(start)
	code := "OK"
	if err != nil {
		code = string(gamesrv.CodeOf(err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[code]++
	if took > deadline+50*time.Millisecond {
		c.late++
	}
	c.max = max(c.max, took)
}

func (c *caller) stats(e *event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.Calls = map[string]int{}
	for k, v := range c.calls {
		e.Calls[k] = v
	}
	e.Late, e.MaxMs = c.late, float64(c.max.Microseconds())/1e3
}

func main() {
	id := flag.String("id", "", "server id (required)")
	typ := flag.String("type", "room", "room or caller")
	seeds := flag.String("seeds", "", "comma-separated gossip addresses to join")
	profile := flag.String("profile", "fast", "gossip profile: fast or lan")
	gossip := flag.String("gossip", "127.0.0.1:0", "gossip bind address")
	logLevel := flag.String("log", "error", "log level of the server's logs on stderr: debug, info, warn, error")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	listen := flag.String("listen", "", "TCP address of a client listener (empty: none)")
	flag.Parse()
	stopProfile, err := cpuprof.Start(*cpuprofile)
	if err == nil {
		err = run(*id, *typ, *seeds, *profile, *gossip, *logLevel, *listen)
		stopProfile()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clusternode:", err)
		os.Exit(1)
	}
}

func run(id, typ, seeds, profile, gossip, logLevel, listen string) error {
	if id == "" {
		return fmt.Errorf("-id is required")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	o := &out{enc: json.NewEncoder(os.Stdout)}
	srv, err := server.New(server.Options{ServerID: id, ServerType: typ, Logger: log})
	if err != nil {
		return err
	}
	if typ == "room" {
		if err := srv.RegisterService(&roomDesc, srv); err != nil {
			return err
		}
	} else if err := srv.RegisterRoutes(&roomDesc); err != nil {
		return err
	}
	opts := cluster.Options{
		GossipAddr: gossip, LinkAddr: "127.0.0.1:0", Logger: log,
		OnJoin: func(m cluster.Member) { o.emit(event{Ev: "join", Member: m.ID, MBoot: m.BootID}) },
		OnLeave: func(m cluster.Member, graceful bool) {
			o.emit(event{Ev: "leave", Member: m.ID, MBoot: m.BootID, Graceful: graceful})
		},
	}
	switch profile {
	case "fast":
		opts.Profile = cluster.ProfileFast
	case "lan":
		opts.Profile = cluster.ProfileLAN
	default:
		return fmt.Errorf("unknown profile %q", profile)
	}
	if seeds != "" {
		opts.Seeds = strings.Split(seeds, ",")
	}
	node, err := cluster.New(srv, opts)
	if err != nil {
		return err
	}
	var ls []transport.Listener
	if listen != "" {
		ls = append(ls, tcp.New(listen, tcp.Options{}))
	}
	// From here on SIGINT and SIGTERM shut the server down gracefully, even
	// one that arrives while it starts: whoever reads the ready event may stop it at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := srv.Start(ls...); err != nil {
		o.emit(event{Ev: "error", ID: id, Err: err.Error()})
		return err
	}
	ready := event{Ev: "ready", ID: id, Boot: node.Membership().Self().BootID, Gossip: node.Membership().GossipAddr()}
	for _, l := range ls {
		ready.Listen = "tcp://" + l.Addr().String()
	}
	o.emit(ready)
	c := &caller{node: node, calls: map[string]int{}}

	go func() {
		defer stop()
		stopWindow := func() {} // stops the profile "cpuprofile" started
		defer func() { stopWindow() }()
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			switch {
			case len(f) == 0:
			case f[0] == "stats":
				e := event{Ev: "stats", ID: id, Members: node.Membership().NumMembers(), Links: node.NumLinks(), Ready: node.Ready(),
					GCs: gcCycles(), Gs: runtime.NumGoroutine()}
				c.stats(&e)
				o.emit(e)
			case f[0] == "call" && len(f) == 3:
				var rate, ms int
				_, _ = fmt.Sscan(f[1], &rate)
				_, _ = fmt.Sscan(f[2], &ms)
				c.start(rate, time.Duration(ms)*time.Millisecond)
			case f[0] == "nocall":
				c.stop()
			case f[0] == "cpuprofile" && len(f) == 2:
				stopWindow()
				if stop, err := cpuprof.Start(f[1]); err != nil {
					o.emit(event{Ev: "error", ID: id, Err: err.Error()})
				} else {
					stopWindow = stop
				}
			case f[0] == "cpuprofile-stop":
				stopWindow()
				stopWindow = func() {}
				o.emit(event{Ev: "profiled", ID: id})
			}
		}
	}()
	<-ctx.Done()
	c.stop()
	c.wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// gcCycles returns the GC cycles completed since the process started.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
