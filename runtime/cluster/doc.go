// Package cluster makes gamesrv servers one game: servers of several types
// (connectors that hold client connections, rooms, lobbies...) find each
// other by gossip (hashicorp/memberlist), with no registry process to run,
// and talk over one multiplexed TCP link per peer.
//
// A [Node] joins a [server.Server] to the cluster. It forwards client
// requests whose route belongs to another server type to a server of that
// type, with a snapshot of the session, and brings the answer back in order
// with the session's other answers. It implements gamesrv.RemoteConn for the
// generated XxxRemote stubs: calls by server type with a selection policy,
// by server id, asynchronous, and broadcast to every server of a type.
// Sessions a backend handler receives are views of the frontend's session:
// Push, Kick, Bind and data changes travel back to the frontend.
//
// Links carry protobuf frames (gamesrv.v1.Frame) prefixed by their length.
// Calls carry their deadline; a cancelled caller cancels the callee; a
// member that dies fails its pending calls at once; links redial with
// backoff and may require a shared secret.
//
// # Layers
//
// Package gossip keeps the membership (this package re-exports Member,
// Membership and Profile). Under internal/: linkwire encodes frames (a
// hand-written codec of cluster.proto, checked against its descriptors)
// and reads and writes them on a connection; linkhello runs the handshake
// that opens a link; link runs one link's calls; linkset holds a node's
// links (dials on demand, accepts, keeps one link per pair of servers,
// redials with backoff, enforces call deadlines). This package holds the
// node on top: forwarding, remote calls and sessions, selection. Each
// layer imports only those below it (internal/archtest).
//
// # Security
//
// A node is secure by default: one whose gossip or link listener binds an
// address beyond loopback does not start without Options.GossipKey (gossip
// encryption) and Options.LinkSecret (link authentication) or mutual
// Options.LinkTLS, unless Options.Insecure is set ([ErrInsecure]). Give
// every server the same key and secret; keep them out of command lines
// (the example servers read $GAMESRV_GOSSIP_KEY and $GAMESRV_LINK_SECRET).
package cluster
