package cluster

import (
	"crypto/tls"
	"log/slog"
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/internal/opt"
)

// Options configures a [Node]. The zero value joins nobody (a cluster of
// one) with the LAN profile; set Seeds to join others.
//
// A node is secure by default: when its gossip or link listener binds an
// address beyond loopback (the LAN profile's defaults do), [New] refuses it
// ([ErrInsecure]) unless GossipKey and LinkSecret (or mutual LinkTLS) are
// set, or Insecure is.
type Options struct {
	// Seeds are gossip addresses ("host:port", or a DNS name that resolves
	// to several, such as a Kubernetes headless service) of servers already
	// in the cluster. Empty: this server starts a new cluster.
	Seeds []string
	// Profile sets the gossip timings: ProfileLAN (default) or ProfileFast
	// for tests and local demos.
	Profile Profile
	// GossipAddr is the gossip bind address. Default: ProfileLAN
	// "0.0.0.0:7946", ProfileFast "127.0.0.1:0". The LAN default binds
	// every interface because the LAN profile is for servers on several
	// hosts; without GossipKey and LinkSecret such a node does not start
	// (see Insecure), so the default exposes nothing unprotected. (A
	// loopback default would instead let a multi-host deployment that
	// forgot this field start and then fail to reach its peers.)
	GossipAddr string
	// GossipAdvertise is the gossip address other servers use. Set it in
	// production when binding 0.0.0.0.
	GossipAdvertise string
	// GossipKey enables AES-GCM encryption of gossip (16, 24 or 32 bytes,
	// the same on every server); a server without it cannot join. Required
	// when gossip or links bind beyond loopback, unless Insecure is set.
	GossipKey []byte
	// LinkAddr is the bind address of the link listener, where other
	// servers connect. Default "127.0.0.1:0" with ProfileFast, ":0" (every
	// interface; see GossipAddr for why, and Insecure) otherwise.
	LinkAddr string
	// LinkAdvertise is the link address other servers dial. Default: the
	// bound address, with the gossip advertise host when it binds all
	// interfaces.
	LinkAdvertise string
	// LinkSecret, if set, is a shared secret every link must prove on
	// connect (HMAC-SHA256 challenge both ways); a peer without it is
	// refused and logged. It authenticates, it does not encrypt (LinkTLS
	// does). Required, or LinkTLS with ClientAuth
	// tls.RequireAndVerifyClientCert, when gossip or links bind beyond
	// loopback, unless Insecure is set.
	LinkSecret []byte
	// LinkTLS, if set, runs every link over TLS: it is the listener's
	// config (certificate; ClientCAs and ClientAuth for mutual TLS) and,
	// cloned with the peer's host as ServerName when none is set, the
	// dialer's (RootCAs, client certificate). LinkSecret still applies on
	// top.
	LinkTLS *tls.Config
	// Insecure lets a node whose gossip or link listener binds an address
	// beyond loopback start without GossipKey and without LinkSecret (or
	// mutual LinkTLS); it then logs a warning at start. Without it such a
	// node is refused by New with an error wrapping [ErrInsecure] that
	// says what to set: anyone who reached those ports could join the
	// cluster, read its gossip and call every internal route. Set it only
	// on a network you trust. Loopback-only nodes (ProfileFast's defaults)
	// never need it. Default false.
	Insecure bool
	// Weight is this server's weight for PolicyWeighted. Default 1.
	Weight int
	// Version is the application version this server announces.
	Version string
	// CallTimeout bounds a remote call whose context has no deadline.
	// Default 5 s.
	CallTimeout time.Duration
	// DialTimeout bounds dialing a peer and the link handshake. Default 2 s.
	DialTimeout time.Duration
	// MaxInflight bounds the calls a link has waiting for replies, or the
	// peer's MaxConcurrent when that is lower; callers beyond it wait
	// (under their context). Default 4096.
	MaxInflight int
	// MaxConcurrent bounds the incoming requests of a link that run at
	// once, and separately its incoming notifies. Servers announce it to
	// their peers, which keep no more requests in flight; a request beyond
	// it (its caller gave up on earlier ones that still run) is answered
	// GS-429 at once, a notify beyond it is dropped and logged. The link
	// never stops reading. Default 1024.
	MaxConcurrent int
	// WriteBuffer bounds the bytes of frames waiting for a link's writer;
	// senders beyond it wait (under their context). Default 1 MiB.
	WriteBuffer int
	// Policies sets the default selection policy per server type for
	// remote calls. Default: round robin.
	Policies map[string]gamesrv.Policy
	// Routers sets a custom selection function per server type for remote
	// calls; it wins over Policies.
	Routers map[string]gamesrv.Router
	// ForwardPolicy selects the server a client request is forwarded to,
	// per server type, when the session is not pinned (see
	// gamesrv.ServerKey). Default PolicySticky keyed by the session's uid
	// (or its frontend and id before it binds), so a player's requests go to
	// the same server while the set of servers is stable.
	ForwardPolicy map[string]gamesrv.Policy
	// Logger receives the cluster's logs. Default: the server's logger.
	Logger *slog.Logger
	// OnJoin and OnUpdate, if set, are called when a server joins or
	// changes its metadata. They run one at a time and must not block.
	OnJoin, OnUpdate func(Member)
	// OnLeave, if set, is called when a server leaves: graceful is true when
	// it announced it, false when it was declared dead.
	OnLeave func(m Member, graceful bool)
}

func (o Options) withDefaults() Options {
	o.CallTimeout = opt.OrDefault(o.CallTimeout, 5*time.Second)
	o.DialTimeout = opt.OrDefault(o.DialTimeout, 2*time.Second)
	o.MaxInflight = opt.OrDefault(o.MaxInflight, 4096)
	o.MaxConcurrent = opt.OrDefault(o.MaxConcurrent, 1024)
	o.WriteBuffer = opt.OrDefault(o.WriteBuffer, 1<<20)
	o.Weight = opt.OrDefault(o.Weight, 1)
	if o.LinkAddr == "" {
		o.LinkAddr = ":0"
		if o.Profile == ProfileFast {
			o.LinkAddr = "127.0.0.1:0"
		}
	}
	return o
}
