package cluster

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

// errBadSecret: the peer could not prove it knows the link secret.
var errBadSecret = errors.New("cluster: link refused: peer does not know the link secret")

// peerHello is what the link handshake learned about the peer.
type peerHello struct {
	id, boot string
	// maxConcurrent is how many requests the peer runs at once for the
	// link (0: not announced).
	maxConcurrent int
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
func (n *Node) checkProof(role string, t transcript, got []byte) bool {
	if len(n.opts.LinkSecret) == 0 {
		return true
	}
	return t.fits() && hmac.Equal(proof(n.opts.LinkSecret, role, t), got)
}

func newNonce() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

// helloDialer runs the dialer's side of the handshake: send our nonce,
// check the listener's proof, send ours.
func (n *Node) helloDialer(conn net.Conn, br *bufio.Reader) (peerHello, error) {
	_ = conn.SetDeadline(time.Now().Add(n.opts.DialTimeout))
	defer conn.SetDeadline(time.Time{})
	nonce := newNonce()
	if err := n.sendHello(conn, n.hello(nonce, nil)); err != nil {
		return peerHello{}, err
	}
	h, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	t := transcript{dialerNonce: nonce, listenerNonce: h.GetNonce(), dialerID: n.id, listenerID: h.GetServerId()}
	if !n.checkProof(roleListener, t, h.GetProof()) {
		return peerHello{}, errBadSecret
	}
	if err := n.sendHello(conn, &gamesrvv1.Hello{Proof: proof(n.opts.LinkSecret, roleDialer, t)}); err != nil {
		return peerHello{}, err
	}
	return helloOf(h), nil
}

// probeHello runs the dialer's side of the handshake up to the
// listener's hello, which it returns once its proof checks out.
func (n *Node) probeHello(conn net.Conn, br *bufio.Reader) (*gamesrvv1.Hello, error) {
	_ = conn.SetDeadline(time.Now().Add(min(n.opts.DialTimeout, time.Second)))
	nonce := newNonce()
	if err := n.sendHello(conn, n.hello(nonce, nil)); err != nil {
		return nil, err
	}
	h, err := recvHello(br)
	if err != nil {
		return nil, err
	}
	t := transcript{dialerNonce: nonce, listenerNonce: h.GetNonce(), dialerID: n.id, listenerID: h.GetServerId()}
	if !n.checkProof(roleListener, t, h.GetProof()) {
		return nil, errBadSecret
	}
	return h, nil
}

// errSameID: a dialer introduced itself under this server's own id (a
// server starting with a duplicate id checks whether this one is alive).
var errSameID = errors.New("cluster: a server with this server's id dialled it: duplicate server id (it is refused)")

// helloListener runs the listener's side of the handshake. A dialer that
// claims this server's id gets the listener's hello, so it learns this
// server is alive, and no link.
func (n *Node) helloListener(conn net.Conn, br *bufio.Reader) (peerHello, error) {
	_ = conn.SetDeadline(time.Now().Add(n.opts.DialTimeout))
	defer conn.SetDeadline(time.Time{})
	first, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	nonce := newNonce()
	t := transcript{dialerNonce: first.GetNonce(), listenerNonce: nonce, dialerID: first.GetServerId(), listenerID: n.id}
	if err := n.sendHello(conn, n.hello(nonce, proof(n.opts.LinkSecret, roleListener, t))); err != nil {
		return peerHello{}, err
	}
	if first.GetServerId() == n.id {
		return peerHello{}, errSameID
	}
	last, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	if !n.checkProof(roleDialer, t, last.GetProof()) {
		return peerHello{}, errBadSecret
	}
	return helloOf(first), nil
}

// hello is this server's opening hello.
func (n *Node) hello(nonce, proof []byte) *gamesrvv1.Hello {
	return &gamesrvv1.Hello{ServerId: n.id, BootId: n.boot, Nonce: nonce, Proof: proof, MaxConcurrent: uint32(n.opts.MaxConcurrent)}
}

func helloOf(h *gamesrvv1.Hello) peerHello {
	return peerHello{id: h.GetServerId(), boot: h.GetBootId(), maxConcurrent: int(h.GetMaxConcurrent())}
}

func (n *Node) sendHello(conn net.Conn, h *gamesrvv1.Hello) error {
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
