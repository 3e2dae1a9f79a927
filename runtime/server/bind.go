package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// bind associates s with uid, applying the duplicate-login policy when
// another session holds it. Under KickOld it returns once the kicked
// session has ended (see gamesrv.Session.Bind, docs/runtime.md#sessions and
// Options.BindWait): the caller's next step never sees it in a group or
// in the state its OnClose hooks clean up.
func (srv *Server) bind(ctx context.Context, s *session, uid string) error {
	if uid == "" {
		return errors.New("gamesrv: Bind with an empty uid")
	}
	if err := s.setUID(uid); err != nil {
		return err
	}
	old, err := srv.claimUID(s, uid)
	if err != nil {
		s.setUIDIf(uid, "")
		return err
	}
	if old == nil {
		return nil
	}
	srv.log.Info("duplicate login: kicking the previous session", "uid", uid, "old", old.id, "new", s.id)
	_ = old.Kick(ctx, kickDuplicateUser)
	return srv.awaitEnd(ctx, old, uid)
}

// awaitEnd ends a kicked session at once, without waiting for its
// connection to close, and waits until its close hooks have run, on its
// frontend and on the backends that served it, bounded by ctx and by
// Options.BindWait. The hooks run on the old session's worker, never on
// the caller's, so a hook that waits for something the caller holds
// delays this Bind until the bound, and no longer.
func (srv *Server) awaitEnd(ctx context.Context, old *session, uid string) error {
	old.end()
	ctx, cancel := context.WithTimeout(ctx, srv.opts.BindWait)
	defer cancel()
	if err := old.waitEnded(ctx); err != nil {
		srv.log.Warn("duplicate login: the previous session's close hooks did not finish in time",
			"uid", uid, "old", old.id, "err", err)
		return fmt.Errorf("gamesrv: %q is bound, but the session it replaced has not finished closing: %w", uid, err)
	}
	return nil
}

// setUID sets the session's uid; a session binds once.
func (s *session) setUID(uid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.done:
		return ErrSessionClosed
	case s.uid == uid:
		return nil
	case s.uid != "":
		return gamesrv.Errorf(gamesrv.CodeBadRequest, "session already bound to another user")
	}
	s.uid = uid
	return nil
}

func (s *session) setUIDIf(old, uid string) {
	s.mu.Lock()
	if s.uid == old {
		s.uid = uid
	}
	s.mu.Unlock()
}

// claimUID records s as the holder of uid and returns the session to kick,
// or fails with GS-401 under RefuseNew.
func (srv *Server) claimUID(s *session, uid string) (*session, error) {
	srv.uidMu.Lock()
	defer srv.uidMu.Unlock()
	old := srv.uids[uid]
	if old == s {
		return nil, nil
	}
	if old != nil && srv.opts.DuplicateLogin == RefuseNew {
		return nil, gamesrv.NewError(gamesrv.CodeUnauthenticated, "user already logged in")
	}
	srv.uids[uid] = s
	return old, nil
}

// unbind forgets uid if s still holds it.
func (srv *Server) unbind(s *session, uid string) {
	srv.uidMu.Lock()
	if srv.uids[uid] == s {
		delete(srv.uids, uid)
	}
	srv.uidMu.Unlock()
}

// SessionByUID returns the session bound to uid on this server.
func (srv *Server) SessionByUID(uid string) (gamesrv.Session, bool) {
	srv.uidMu.Lock()
	defer srv.uidMu.Unlock()
	s, ok := srv.uids[uid]
	return s, ok
}
