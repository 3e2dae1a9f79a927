package kcp

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/gamesrv/gamesrv/runtime/internal/kcpcore"
)

// ErrHandshakeTimeout is what the session layer's OnDisconnect receives
// for a session that did not complete the handshake within
// [Options.HandshakeTimeout].
var ErrHandshakeTimeout = errors.New("kcp: handshake not completed in time")

// session is an accepted kcp-go session as the stream transport serves it.
// It tells the gate when the handshake completed and when it closes, and
// it ends its output the way TCP's CloseWrite does, so that a close loses
// nothing.
type session struct {
	*kcpcore.UDPSession
	g       *gate
	peer    *peer       // its entry at the gate (found by Key), set by attach
	window  int         // the send window the session was tuned with
	eof     atomic.Bool // the output ended: reads return io.EOF
	expired atomic.Bool // closed at the handshake deadline
}

func newSession(ks *kcpcore.UDPSession, g *gate, window int) *session {
	return &session{UDPSession: ks, g: g, window: window}
}

// Read reads the session's stream; it returns io.EOF once CloseWrite
// returned, and ErrHandshakeTimeout once the gate closed the session.
func (s *session) Read(b []byte) (int, error) {
	if s.eof.Load() {
		return 0, io.EOF
	}
	n, err := s.UDPSession.Read(b)
	if err != nil {
		switch {
		case s.expired.Load():
			err = ErrHandshakeTimeout
		case s.eof.Load():
			err = io.EOF
		}
	}
	return n, err
}

// Established implements transport.Establisher: the session leaves the
// handshake limits and its deadline.
func (s *session) Established() { s.g.establish(s) }

// Close releases the session's address at the gate and closes the
// session.
func (s *session) Close() error {
	s.g.forget(s)
	return s.UDPSession.Close()
}

// expire closes a session at its handshake deadline.
func (s *session) expire() {
	s.expired.Store(true)
	_ = s.UDPSession.Close()
}

// CloseWrite ends the output once the peer acknowledged everything
// written, then makes reads return io.EOF (KCP has no FIN to wait for).
// kcp-go's Close sends what is unacknowledged once, without
// retransmission; waiting here gives lost datagrams their retransmissions.
//
// kcp-go exposes no count of unacknowledged segments, but WriteBuffers
// returns only when fewer than the send window wait, and waits for
// acknowledgements (under the read deadline, as kcp-go v5.6.35 does)
// otherwise: so the window is halved down to 1, an
// empty write at each step, which ends with none waiting. Halving rather
// than setting 1 at once keeps the segments not yet in flight moving.
//
// A peer that sends nothing for quietAfter (or 8 RTOs, if longer) while
// it has segments to acknowledge is gone: the session is closed without
// waiting for the end of the linger.
func (s *session) CloseWrite() error {
	stop := s.watchSilence()
	defer stop()
	for w := s.window; w >= 1; w /= 2 {
		s.SetWindowSize(w, 0)
		if _, err := s.WriteBuffers(nil); err != nil {
			return err
		}
	}
	s.eof.Store(true)
	return s.SetReadDeadline(time.Now()) // wake the reader: it gets io.EOF
}

// Silence detection while CloseWrite waits.
const (
	quietAfter = time.Second
	quietCheck = 100 * time.Millisecond
)

// watchSilence closes the session once its peer has been silent for
// quietAfter (or 8 RTOs) since the wait began or since its last datagram,
// whichever is later: a live peer acknowledges our retransmissions. It
// returns the function that stops watching.
func (s *session) watchSilence() (stop func() bool) {
	quiet := max(quietAfter, 8*time.Duration(s.GetRTO())*time.Millisecond)
	start := time.Now()
	var t atomic.Pointer[time.Timer]
	var done atomic.Bool
	t.Store(time.AfterFunc(quietCheck, func() {
		if done.Load() {
			return
		}
		if time.Since(start) > quiet && s.g.silence(s) > quiet {
			_ = s.UDPSession.Close() // CloseWrite's wait fails
			return
		}
		if tm := t.Load(); tm != nil {
			tm.Reset(quietCheck)
		}
	}))
	return func() bool { done.Store(true); return t.Load().Stop() }
}
