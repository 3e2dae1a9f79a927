// Package nodecmd holds what the cluster example's two commands share:
// their cluster flags, the "GOSSIP" and "MEMBERS" lines they print for the
// demo, the admin listener, and running a server until SIGINT or SIGTERM.
package nodecmd

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// Flags are the command-line flags of a cluster server.
type Flags struct {
	// ID is the server id; empty lets the server choose one.
	ID string
	// Gossip is the gossip bind address.
	Gossip string
	// Link is the bind address of the link (server-to-server) listener.
	Link string
	// GossipAdvertise is the gossip address other servers use (an IP,
	// optionally with a port); empty: the bind address, or a private IP of
	// the host when that is unspecified. Links bound to an unspecified
	// address are advertised on its IP too.
	GossipAdvertise string
	// LinkAdvertise is the link address other servers dial; empty: see
	// GossipAdvertise.
	LinkAdvertise string
	// Seeds is a comma-separated list of gossip addresses to join.
	Seeds string
	// Profile is the gossip profile, "fast" or "lan".
	Profile string
	// GossipKey is the gossip encryption key in standard base64 (16, 24 or
	// 32 bytes once decoded); empty: $GAMESRV_GOSSIP_KEY.
	GossipKey string
	// LinkSecret, if set, is the secret every link must prove; empty:
	// $GAMESRV_LINK_SECRET.
	LinkSecret string
	// Insecure lets the server listen beyond loopback without a gossip key
	// and a link secret (cluster.Options.Insecure).
	Insecure bool
	// Verbose enables debug logs.
	Verbose bool
	// ShutdownTimeout bounds the graceful shutdown after SIGINT or SIGTERM.
	ShutdownTimeout time.Duration
}

// Environment variables read when the corresponding flag is empty: a
// secret on the command line is visible to every user of the host (ps).
// The commands also read every other flag from the environment
// (runtime/flagenv): these are the names flagenv gives the two flags.
const (
	EnvGossipKey  = "GAMESRV_GOSSIP_KEY"
	EnvLinkSecret = "GAMESRV_LINK_SECRET"
)

// RegisterFlags defines the cluster flags on fs.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := new(Flags)
	fs.StringVar(&f.ID, "id", "", "server id (default: the server type and a random suffix)")
	fs.StringVar(&f.Gossip, "gossip", "127.0.0.1:0", "gossip bind address")
	fs.StringVar(&f.Link, "link", "127.0.0.1:0", "link (server-to-server) bind address")
	fs.StringVar(&f.GossipAdvertise, "gossip-advertise", "", "gossip address other servers use, an IP with an optional :port, e.g. the pod's IP\n"+
		"(empty: the -gossip address, or a private IP of the host when that is 0.0.0.0); links bound to 0.0.0.0 are advertised on its IP")
	fs.StringVar(&f.LinkAdvertise, "link-advertise", "", "link address other servers dial (empty: the -link address, on the -gossip-advertise IP when -link is 0.0.0.0)")
	fs.StringVar(&f.Seeds, "seeds", "", "comma-separated gossip addresses of servers to join (empty: start a cluster)")
	fs.StringVar(&f.Profile, "profile", "lan", "gossip timings: lan, or fast for local demos and tests")
	fs.StringVar(&f.GossipKey, "gossip-key", "", "gossip encryption key, the same on every server: 16, 24 or 32 bytes in standard base64,\n"+
		"e.g. the output of: openssl rand -base64 32 (prefer the environment: a flag is visible to every user of the host in ps)")
	fs.StringVar(&f.LinkSecret, "link-secret", "", "shared secret every server-to-server link must prove, the same on every server,\n"+
		"e.g. the output of: openssl rand -base64 32 (prefer the environment)")
	fs.BoolVar(&f.Insecure, "insecure", false, "start without -gossip-key and -link-secret even when -gossip or -link is not a loopback address\n"+
		"(only on a network you trust)")
	fs.BoolVar(&f.Verbose, "v", false, "debug logging")
	fs.DurationVar(&f.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "bound of the graceful shutdown after SIGINT or SIGTERM: leaving the cluster,\n"+
		"answering the requests already queued, kicking the remaining players")
	return f
}

// Logger returns a text logger on w, at debug level with -v.
func (f *Flags) Logger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if f.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// ClusterOptions converts the flags to cluster options.
func (f *Flags) ClusterOptions(log *slog.Logger) (cluster.Options, error) {
	p, err := ParseProfile(f.Profile)
	if err != nil {
		return cluster.Options{}, err
	}
	o := cluster.Options{Profile: p, GossipAddr: f.Gossip, LinkAddr: f.Link, Logger: log, Insecure: f.Insecure,
		GossipAdvertise: f.GossipAdvertise, LinkAdvertise: f.LinkAdvertise}
	for s := range strings.SplitSeq(f.Seeds, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Seeds = append(o.Seeds, s)
		}
	}
	if o.GossipKey, err = ParseGossipKey(orEnv(f.GossipKey, EnvGossipKey)); err != nil {
		return cluster.Options{}, err
	}
	if secret := orEnv(f.LinkSecret, EnvLinkSecret); secret != "" {
		o.LinkSecret = []byte(secret)
	}
	return o, nil
}

// ParseGossipKey decodes a gossip key given in standard base64 ("" gives
// no key).
func ParseGossipKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("gossip key: not standard base64 (%v); generate one with: openssl rand -base64 32", err)
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("gossip key: %d bytes once decoded, want 16, 24 or 32; generate one with: openssl rand -base64 32", len(key))
}

// orEnv returns v, or the environment variable name when v is empty.
func orEnv(v, name string) string {
	if v != "" {
		return v
	}
	return os.Getenv(name)
}

// ParseProfile parses "fast" or "lan".
func ParseProfile(s string) (cluster.Profile, error) {
	for _, p := range []cluster.Profile{cluster.ProfileLAN, cluster.ProfileFast} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown gossip profile %q: want lan or fast", s)
}

// PrintGossip prints "GOSSIP <addr>" for the demo (and for operators who
// want a seed address).
func PrintGossip(w io.Writer, node *cluster.Node) {
	fmt.Fprintf(w, "GOSSIP %s\n", node.Membership().GossipAddr())
}

// ServeUntilSignal waits for SIGINT or SIGTERM, then shuts srv down
// gracefully (leaving the cluster first) within timeout. A signal that
// arrives before it is called ends the process at once: call
// [NewShutdown] before starting the server instead.
func ServeUntilSignal(srv *server.Server, timeout time.Duration) error {
	sd := NewShutdown()
	defer sd.Stop()
	return sd.Serve(srv, timeout)
}

// Shutdown catches SIGINT and SIGTERM from NewShutdown on, so that a
// signal that arrives while the server starts still shuts it down
// gracefully (a container stopped right after it started exits cleanly).
type Shutdown struct {
	ctx  context.Context
	stop context.CancelFunc
}

// NewShutdown starts catching SIGINT and SIGTERM. Call Stop when done.
func NewShutdown() *Shutdown {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	return &Shutdown{ctx: ctx, stop: stop}
}

// Serve waits for SIGINT or SIGTERM (perhaps already received), then shuts
// srv down gracefully (leaving the cluster first) within timeout.
func (s *Shutdown) Serve(srv *server.Server, timeout time.Duration) error {
	<-s.ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Stop stops catching the signals.
func (s *Shutdown) Stop() { s.stop() }

// Node creates srv's cluster node from the flags; the node prints MEMBERS
// lines on w. Close the returned Members once the server has shut down.
func Node(srv *server.Server, f *Flags, w io.Writer) (*cluster.Node, *Members, error) {
	opts, err := f.ClusterOptions(srv.Logger())
	if err != nil {
		return nil, nil, err
	}
	members := NewMembers(w)
	members.Hook(&opts)
	node, err := cluster.New(srv, opts)
	if err != nil {
		members.Close()
		return nil, nil, err
	}
	return node, members, nil
}

// StartAdmin starts the admin listener on addr, printing "ADMIN <addr>"
// (nothing if addr is empty); the returned function stops it.
func StartAdmin(addr string, srv *server.Server, node *cluster.Node, prom *metrics.Prometheus) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	a := admin.New(admin.Options{Addr: addr, Server: srv, Node: node, Metrics: prom, Pprof: true})
	if err := a.Start(); err != nil {
		return nil, err
	}
	fmt.Printf("ADMIN %s\n", a.Addr())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	}, nil
}
