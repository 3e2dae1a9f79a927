package cluster

import "github.com/gamesrv/gamesrv/runtime/cluster/gossip"

// The gossip membership of a [Node] lives in package gossip; these names
// keep it reachable from package cluster, where the options and the node
// use it.

// Member is one server of the cluster, as gossip describes it: an alias
// of [gossip.Member].
type Member = gossip.Member

// Membership is this server's view of the cluster ([Node.Membership]):
// an alias of [gossip.Membership].
type Membership = gossip.Membership

// MembershipConfig configures a [Membership] started on its own: an alias
// of [gossip.Config].
type MembershipConfig = gossip.Config

// Profile selects the gossip timings ([Options.Profile]): an alias of
// [gossip.Profile].
type Profile = gossip.Profile

const (
	// ProfileLAN is the production default: see [gossip.ProfileLAN].
	ProfileLAN = gossip.ProfileLAN
	// ProfileFast is for tests, local demos and clusters that want fast
	// failure detection: see [gossip.ProfileFast].
	ProfileFast = gossip.ProfileFast
)

// MaxMetaSize is the largest gossip metadata memberlist accepts: see
// [gossip.MaxMetaSize].
const MaxMetaSize = gossip.MaxMetaSize

// ErrMembershipClosed is returned by [Membership.Join] and
// [Membership.SetWeight] after [Membership.Leave] or [Membership.Shutdown]
// ([gossip.ErrClosed]).
var ErrMembershipClosed = gossip.ErrClosed

// NewMembership starts gossip membership without a [Node]: see
// [gossip.New].
func NewMembership(cfg MembershipConfig) (*Membership, error) { return gossip.New(cfg) }
