package cluster

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// errBadSecret: the peer could not prove it knows the link secret.
var errBadSecret = errors.New("cluster: link refused: peer does not know the link secret")

// peerHello is what the link handshake learned about the peer.
type peerHello struct {
	id, boot string
}

// proof is HMAC-SHA256(secret, "gamesrv-link-v1" || nonce || id).
func proof(secret, nonce []byte, id string) []byte {
	if len(secret) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("gamesrv-link-v1"))
	m.Write(nonce)
	m.Write([]byte(id))
	return m.Sum(nil)
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
	if err := n.sendHello(conn, &gamesrvv1.Hello{ServerId: n.id, BootId: n.boot, Nonce: nonce}); err != nil {
		return peerHello{}, err
	}
	h, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	if !n.checkProof(nonce, h) {
		return peerHello{}, errBadSecret
	}
	mine := proof(n.opts.LinkSecret, h.GetNonce(), n.id)
	if err := n.sendHello(conn, &gamesrvv1.Hello{ServerId: n.id, Proof: mine}); err != nil {
		return peerHello{}, err
	}
	return peerHello{id: h.GetServerId(), boot: h.GetBootId()}, nil
}

// helloListener runs the listener's side of the handshake.
func (n *Node) helloListener(conn net.Conn, br *bufio.Reader) (peerHello, error) {
	_ = conn.SetDeadline(time.Now().Add(n.opts.DialTimeout))
	defer conn.SetDeadline(time.Time{})
	first, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	nonce := newNonce()
	mine := proof(n.opts.LinkSecret, first.GetNonce(), n.id)
	if err := n.sendHello(conn, &gamesrvv1.Hello{ServerId: n.id, BootId: n.boot, Nonce: nonce, Proof: mine}); err != nil {
		return peerHello{}, err
	}
	last, err := recvHello(br)
	if err != nil {
		return peerHello{}, err
	}
	last.ServerId = first.GetServerId()
	if !n.checkProof(nonce, last) {
		return peerHello{}, errBadSecret
	}
	return peerHello{id: first.GetServerId(), boot: first.GetBootId()}, nil
}

// checkProof verifies the peer's proof for our nonce; without a secret
// every peer is accepted.
func (n *Node) checkProof(nonce []byte, h *gamesrvv1.Hello) bool {
	if len(n.opts.LinkSecret) == 0 {
		return true
	}
	want := proof(n.opts.LinkSecret, nonce, h.GetServerId())
	return hmac.Equal(want, h.GetProof())
}

func (n *Node) sendHello(conn net.Conn, h *gamesrvv1.Hello) error {
	b, err := encodeFrame(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: h}})
	if err != nil {
		return err
	}
	_, err = conn.Write(b)
	return err
}

func recvHello(br *bufio.Reader) (*gamesrvv1.Hello, error) {
	f, err := readFrame(br, nil)
	if err != nil {
		return nil, fmt.Errorf("cluster: link handshake: %w", err)
	}
	h := f.GetHello()
	if h == nil {
		return nil, errors.New("cluster: link handshake: expected a hello")
	}
	return h, nil
}
