// Package linkhello is the handshake that opens a cluster link: who the
// peer is (id, boot id, how many requests it runs at once) and, with a
// link secret, mutual proof that both ends know it. Frames are encoded by
// package linkwire, the layer below; the link layer above runs the calls.
package linkhello

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
)

// ErrBadSecret is the error of a handshake whose peer could not prove it
// knows the link secret.
var ErrBadSecret = errors.New("cluster: link refused: peer does not know the link secret")

// Peer is what the link handshake learned about the peer.
type Peer struct {
	ID   string // the peer's server id
	Boot string // the peer's boot id: another value is another run
	// MaxConcurrent is how many requests the peer runs at once for the
	// link (0: not announced).
	MaxConcurrent int
}

// Handshake is one server's side of the link handshake: both ends send a
// hello with a fresh nonce, and with a link secret each proves it knows
// the secret by an HMAC over both nonces and both ids, under its role.
type Handshake struct {
	ID            string        // this server's id
	Boot          string        // this server's boot id
	Secret        []byte        // the link secret; empty: every peer is accepted
	MaxConcurrent int           // requests this server runs at once per link, announced
	Timeout       time.Duration // bounds the whole handshake
}

// Proof roles: a proof made by one end never verifies as the other's.
const (
	roleListener = "gamesrv-link-v2/listener"
	roleDialer   = "gamesrv-link-v2/dialer"
)

// transcript is what both proofs of a handshake cover: both nonces and
// both ids, each length-prefixed.
type transcript struct {
	dialerNonce, listenerNonce []byte
	dialerID, listenerID       string
}

// maxTranscriptField is the longest nonce or id a transcript holds: each
// is prefixed with its length in 2 bytes, and a longer field would wrap
// it, giving two transcripts one encoding (and one proof).
const maxTranscriptField = 0xffff

// fits reports whether every field of t fits its length prefix.
func (t transcript) fits() bool {
	return len(t.dialerNonce) <= maxTranscriptField && len(t.listenerNonce) <= maxTranscriptField &&
		len(t.dialerID) <= maxTranscriptField && len(t.listenerID) <= maxTranscriptField
}

// proof is HMAC-SHA256(secret, role || transcript); nil without a secret.
func proof(secret []byte, role string, t transcript) []byte {
	if len(secret) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(role))
	for _, f := range [][]byte{t.dialerNonce, t.listenerNonce, []byte(t.dialerID), []byte(t.listenerID)} {
		m.Write(binary.BigEndian.AppendUint16(nil, uint16(len(f))))
		m.Write(f)
	}
	return m.Sum(nil)
}

// checkProof verifies the peer's proof; without a secret every peer is
// accepted. A transcript with a field too long for its length prefix
// never verifies.
func (hs *Handshake) checkProof(role string, t transcript, got []byte) bool {
	if len(hs.Secret) == 0 {
		return true
	}
	return t.fits() && hmac.Equal(proof(hs.Secret, role, t), got)
}

func newNonce() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// Dial runs the dialer's side of the handshake: send our nonce,
// check the listener's proof, send ours.
func (hs *Handshake) Dial(conn net.Conn, br *bufio.Reader) (Peer, error) {
	_ = conn.SetDeadline(time.Now().Add(hs.Timeout))
	defer conn.SetDeadline(time.Time{})
	nonce := newNonce()
	if err := hs.sendHello(conn, hs.hello(nonce, nil)); err != nil {
		return Peer{}, err
	}
	h, err := recvHello(br)
	if err != nil {
		return Peer{}, err
	}
	t := transcript{dialerNonce: nonce, listenerNonce: h.GetNonce(), dialerID: hs.ID, listenerID: h.GetServerId()}
	if !hs.checkProof(roleListener, t, h.GetProof()) {
		return Peer{}, ErrBadSecret
	}
	if err := hs.sendHello(conn, &gamesrvv1.Hello{Proof: proof(hs.Secret, roleDialer, t)}); err != nil {
		return Peer{}, err
	}
	return helloOf(h), nil
}

// Probe runs the dialer's side of the handshake up to the
// listener's hello, which it returns once its proof checks out.
func (hs *Handshake) Probe(conn net.Conn, br *bufio.Reader) (*gamesrvv1.Hello, error) {
	_ = conn.SetDeadline(time.Now().Add(min(hs.Timeout, time.Second)))
	nonce := newNonce()
	if err := hs.sendHello(conn, hs.hello(nonce, nil)); err != nil {
		return nil, err
	}
	h, err := recvHello(br)
	if err != nil {
		return nil, err
	}
	t := transcript{dialerNonce: nonce, listenerNonce: h.GetNonce(), dialerID: hs.ID, listenerID: h.GetServerId()}
	if !hs.checkProof(roleListener, t, h.GetProof()) {
		return nil, ErrBadSecret
	}
	return h, nil
}

// ErrSameID is the error of a handshake whose dialer introduced itself
// under this server's own id (a server starting with a duplicate id checks
// whether this one is alive).
var ErrSameID = errors.New("cluster: a server with this server's id dialled it: duplicate server id (it is refused)")

// Listen runs the listener's side of the handshake. A dialer that
// claims this server's id gets the listener's hello, so it learns this
// server is alive, and no link.
func (hs *Handshake) Listen(conn net.Conn, br *bufio.Reader) (Peer, error) {
	_ = conn.SetDeadline(time.Now().Add(hs.Timeout))
	defer conn.SetDeadline(time.Time{})
	first, err := recvHello(br)
	if err != nil {
		return Peer{}, err
	}
	nonce := newNonce()
	t := transcript{dialerNonce: first.GetNonce(), listenerNonce: nonce, dialerID: first.GetServerId(), listenerID: hs.ID}
	if err := hs.sendHello(conn, hs.hello(nonce, proof(hs.Secret, roleListener, t))); err != nil {
		return Peer{}, err
	}
	if first.GetServerId() == hs.ID {
		return Peer{}, ErrSameID
	}
	last, err := recvHello(br)
	if err != nil {
		return Peer{}, err
	}
	if !hs.checkProof(roleDialer, t, last.GetProof()) {
		return Peer{}, ErrBadSecret
	}
	return helloOf(first), nil
}

// hello is this server's opening hello.
func (hs *Handshake) hello(nonce, proof []byte) *gamesrvv1.Hello {
	return &gamesrvv1.Hello{ServerId: hs.ID, BootId: hs.Boot, Nonce: nonce, Proof: proof, MaxConcurrent: uint32(hs.MaxConcurrent)}
}

func helloOf(h *gamesrvv1.Hello) Peer {
	return Peer{ID: h.GetServerId(), Boot: h.GetBootId(), MaxConcurrent: int(h.GetMaxConcurrent())}
}

func (hs *Handshake) sendHello(conn net.Conn, h *gamesrvv1.Hello) error {
	b, err := linkwire.Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: h}})
	if err != nil {
		return err
	}
	_, err = conn.Write(b)
	return err
}

func recvHello(br *bufio.Reader) (*gamesrvv1.Hello, error) {
	f, err := linkwire.Read(br, nil)
	if err != nil {
		return nil, fmt.Errorf("cluster: link handshake: %w", err)
	}
	h := f.GetHello()
	if h == nil {
		return nil, errors.New("cluster: link handshake: expected a hello")
	}
	if len(h.GetNonce()) > maxTranscriptField || len(h.GetServerId()) > maxTranscriptField {
		return nil, errors.New("cluster: link handshake: hello nonce or server id over 65535 bytes")
	}
	return h, nil
}
