package gossip

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Member is one server of the cluster, as gossip describes it.
//
// Every field but GossipAddr travels in the server's gossip metadata (see
// [MaxMetaSize]); GossipAddr is the address memberlist knows the server by.
// Member is a value: the copies a [Membership] hands out never change.
type Member struct {
	ID         string // server id; the memberlist node name
	Type       string // server type: "connector", "room"...
	LinkAddr   string // host:port of the server's link (RPC) listener
	Frontend   bool   // holds client connections
	Version    string // application version, free-form
	Weight     int    // relative weight for weighted selection (0 is treated as 1 by selectors)
	BootID     string // random per process start: a changed BootID means the server restarted
	Leaving    bool   // announced it is shutting down: send it no new work
	GossipAddr string // host:port memberlist uses (filled from the memberlist node, not from meta)
}

// memberView is a Membership's index of alive members. Its slices are
// immutable once published: a change builds a new slice for the affected
// type, so readers may keep what they got without copying.
//
// Lock order: memberlist's internal node lock (held while memberlist calls
// the event delegate) is taken before memberView.mu, and memberView.mu is
// never held while calling into memberlist or user callbacks.
type memberView struct {
	mu     sync.RWMutex
	closed bool                // set by Shutdown: later events are ignored
	byID   map[string]Member   // alive members, self included
	byType map[string][]Member // type -> members sorted by ID; never empty
	types  []string            // sorted keys of byType
}

func newMemberView() *memberView {
	return &memberView{byID: map[string]Member{}, byType: map[string][]Member{}}
}

// put adds or replaces a member and returns the member it replaced.
// ok reports whether the view accepted the change (it is false once closed).
func (v *memberView) put(m Member) (old Member, existed, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return Member{}, false, false
	}
	old, existed = v.byID[m.ID]
	v.byID[m.ID] = m
	if existed && old.Type != m.Type {
		v.reindex(old.Type)
	}
	v.reindex(m.Type)
	return old, existed, true
}

// remove deletes a member and returns it.
func (v *memberView) remove(id string) (Member, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	old, existed := v.byID[id]
	if !existed || v.closed {
		return Member{}, false
	}
	delete(v.byID, id)
	v.reindex(old.Type)
	return old, true
}

// close empties the view and makes it ignore later changes.
func (v *memberView) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	v.byID = map[string]Member{}
	v.byType = map[string][]Member{}
	v.types = nil
}

// reindex rebuilds the slice of one type. v.mu must be held for writing.
func (v *memberView) reindex(typ string) {
	var ms []Member
	for _, m := range v.byID {
		if m.Type == typ {
			ms = append(ms, m)
		}
	}
	_, had := v.byType[typ]
	if len(ms) == 0 {
		delete(v.byType, typ)
	} else {
		slices.SortFunc(ms, compareMemberID)
		v.byType[typ] = slices.Clip(ms)
	}
	if had != (len(ms) > 0) {
		v.types = slices.Sorted(maps.Keys(v.byType))
	}
}

func (v *memberView) get(id string) (Member, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	m, ok := v.byID[id]
	return m, ok
}

func (v *memberView) ofType(typ string) []Member {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.byType[typ]
}

func (v *memberView) all() []Member {
	v.mu.RLock()
	defer v.mu.RUnlock()
	ms := make([]Member, 0, len(v.byID))
	for _, m := range v.byID {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, compareMemberID)
	return ms
}

func (v *memberView) typeNames() []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return slices.Clone(v.types)
}

func (v *memberView) len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.byID)
}

func compareMemberID(a, b Member) int { return strings.Compare(a.ID, b.ID) }
