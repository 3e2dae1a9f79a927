package cluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrInsecure is the error (wrapped in one that says what to set) of [New]
// for a node whose gossip or link listener binds a non-loopback address
// without a GossipKey and a LinkSecret (or mutual LinkTLS), when
// Options.Insecure is not set: anyone who reached those ports could join
// the cluster, read its gossip and call every internal route.
var ErrInsecure = errors.New("cluster: refusing to expose an unprotected node")

// exposure lists the listeners of o that bind a non-loopback address, as
// "gossip 0.0.0.0:7946" and "links :0".
func (o *Options) exposure() []string {
	gossip := o.GossipAddr
	if gossip == "" {
		gossip = o.Profile.DefaultBindAddr()
	}
	var out []string
	if !isLoopback(gossip) {
		out = append(out, "gossip "+gossip)
	}
	if !isLoopback(o.LinkAddr) {
		out = append(out, "links "+o.LinkAddr)
	}
	return out
}

// checkExposure fails with ErrInsecure when o exposes a listener beyond
// loopback without the protection it needs, unless o.Insecure is set.
func (o *Options) checkExposure() error {
	exposed := o.exposure()
	if len(exposed) == 0 || o.Insecure {
		return nil
	}
	var missing []string
	if len(o.GossipKey) == 0 {
		missing = append(missing, "no GossipKey")
	}
	if len(o.LinkSecret) == 0 && !mutualTLS(o.LinkTLS) {
		if o.LinkTLS != nil {
			missing = append(missing, "no LinkSecret, and LinkTLS does not verify client certificates")
		} else {
			missing = append(missing, "no LinkSecret or LinkTLS")
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: it would listen beyond loopback (%s) with %s. "+
		"Fix: set cluster.Options.GossipKey (16, 24 or 32 random bytes, the same on every server) and "+
		"cluster.Options.LinkSecret (a random shared secret) or LinkTLS with ClientAuth tls.RequireAndVerifyClientCert; "+
		"the example servers take -gossip-key (base64, e.g. from `openssl rand -base64 32`) and -link-secret, "+
		"or $GAMESRV_GOSSIP_KEY and $GAMESRV_LINK_SECRET. "+
		"For a single host bind loopback instead (GossipAddr \"127.0.0.1:7946\", LinkAddr \"127.0.0.1:0\"; -gossip, -link). "+
		"On a network you trust, set cluster.Options.Insecure (-insecure) to start anyway",
		ErrInsecure, strings.Join(exposed, " and "), strings.Join(missing, " and "))
}

// mutualTLS reports whether c authenticates the peers that connect.
func mutualTLS(c *tls.Config) bool {
	return c != nil && c.ClientAuth == tls.RequireAndVerifyClientCert
}

// isLoopback reports whether the bind address "host:port" listens on a
// loopback interface only: a loopback IP or "localhost". An empty host, an
// unspecified address (0.0.0.0, ::), any other IP and other host names
// count as exposed.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	host, _, _ = strings.Cut(host, "%") // an IPv6 zone
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// warnExposure logs, once at start, that an Insecure node listens beyond
// loopback without the protection New would otherwise require.
func (n *Node) warnExposure() {
	exposed := n.opts.exposure()
	if len(exposed) == 0 || !n.opts.Insecure {
		return
	}
	if len(n.opts.GossipKey) > 0 && (len(n.opts.LinkSecret) > 0 || mutualTLS(n.opts.LinkTLS)) {
		return
	}
	n.log.Warn("cluster: Insecure is set: listening beyond loopback without gossip encryption or link authentication",
		"listeners", strings.Join(exposed, ", "), "gossip_key", len(n.opts.GossipKey) > 0,
		"link_secret", len(n.opts.LinkSecret) > 0, "link_mtls", mutualTLS(n.opts.LinkTLS))
}
