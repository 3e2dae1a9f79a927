package gamesrv

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// Pusher sends server-initiated push messages. The server implements it;
// generated XxxPusher types wrap it with one typed method per push route.
type Pusher interface {
	// Push sends msg on route to every session the target designates. The
	// message is encoded once whatever the number of sessions.
	Push(ctx context.Context, to PushTarget, route string, msg proto.Message) error
}

// PushTarget designates the receivers of a push: one session, a named
// group, or the sessions bound to some user ids.
type PushTarget struct {
	session Session
	group   string
	uids    []string
}

// ToSession targets one session.
func ToSession(s Session) PushTarget { return PushTarget{session: s} }

// ToGroup targets every member of the named group.
func ToGroup(name string) PushTarget { return PushTarget{group: name} }

// ToUIDs targets the sessions bound to the given user ids, wherever they
// are connected.
func ToUIDs(uids ...string) PushTarget { return PushTarget{uids: uids} }

// Session returns the target session, or nil.
func (t PushTarget) Session() Session { return t.session }

// Group returns the target group name, or "".
func (t PushTarget) Group() string { return t.group }

// UIDs returns the target user ids, or nil.
func (t PushTarget) UIDs() []string { return t.uids }
