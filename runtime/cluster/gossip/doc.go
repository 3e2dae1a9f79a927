// Package gossip is the membership layer of the cluster: each server's
// view of the alive servers, kept by gossip (hashicorp/memberlist) with
// no registry to run. A [Membership] announces this server as a [Member]
// (id, type, link address, weight, boot id... in at most [MaxMetaSize]
// bytes of metadata), joins seeds, reports joins, updates and departures,
// and leaves gracefully. [Profile] picks the timings.
//
// A cluster.Node starts one and builds its links and selection on top;
// package cluster re-exports these names (cluster.Member,
// cluster.Membership, cluster.Profile...). The package imports nothing
// of the cluster: the link layer and the node sit above it.
package gossip
