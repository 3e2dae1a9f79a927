package linkhello

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkwire"
	"google.golang.org/protobuf/proto"
)

// refProof is the link proof as the design states it, written out
// independently of proof(): HMAC-SHA256(secret, role || each of the
// dialer's nonce, the listener's nonce, the dialer's id, the listener's id
// preceded by its length as two big-endian bytes).
func refProof(secret []byte, role string, dialerNonce, listenerNonce []byte, dialerID, listenerID string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(role))
	for _, f := range [][]byte{dialerNonce, listenerNonce, []byte(dialerID), []byte(listenerID)} {
		var n [2]byte
		binary.BigEndian.PutUint16(n[:], uint16(len(f)))
		m.Write(n[:])
		m.Write(f)
	}
	return m.Sum(nil)
}

func sameTranscript(a, b transcript) bool {
	return bytes.Equal(a.dialerNonce, b.dialerNonce) && bytes.Equal(a.listenerNonce, b.listenerNonce) &&
		a.dialerID == b.dialerID && a.listenerID == b.listenerID
}

// FuzzLinkProof checks proof verification with arbitrary bytes: a proof
// verifies for exactly the role and transcript it was made for (never for
// another transcript, even one whose fields are long enough to wrap their
// 2-byte lengths, nor for the other role), the proof an end makes always
// verifies at the other end, and bytes that are not the proof never do.
func FuzzLinkProof(f *testing.F) {
	nonce := []byte("0123456789abcdef")
	f.Add([]byte("s3cret"), nonce, []byte("fedcba9876543210"), []byte("gate"), []byte("room-1"),
		nonce, []byte("fedcba9876543210"), []byte("gate"), []byte("room-2"), []byte{})
	f.Add([]byte("s3cret"), nonce, nonce, []byte("a"), []byte("b"), nonce, nonce, []byte("b"), []byte("a"), make([]byte, 32))
	f.Add([]byte{}, nonce, nonce, []byte("a"), []byte("b"), nonce, nonce, []byte("a"), []byte("b"), []byte("x"))
	// Fields moved from one position to the next: lengths keep them apart.
	f.Add([]byte("k"), []byte("ab"), []byte(""), []byte("c"), []byte("d"), []byte("a"), []byte("b"), []byte("c"), []byte("d"), []byte(nil))
	// A field of 64 KiB: its 2-byte length wraps to 0, so without a bound
	// on the fields these two transcripts would have one encoding.
	long := make([]byte, 1<<16)
	f.Add([]byte("k"), long, []byte{}, []byte{}, []byte{}, []byte{}, []byte{}, []byte{}, long, []byte(nil))
	f.Fuzz(func(t *testing.T, secret, dn1, ln1, did1, lid1, dn2, ln2, did2, lid2, got []byte) {
		n := &Handshake{ID: "fuzz", Secret: secret}
		t1 := transcript{dialerNonce: dn1, listenerNonce: ln1, dialerID: string(did1), listenerID: string(lid1)}
		t2 := transcript{dialerNonce: dn2, listenerNonce: ln2, dialerID: string(did2), listenerID: string(lid2)}
		if len(secret) == 0 {
			if !n.checkProof(roleDialer, t1, got) {
				t.Fatal("without a secret a proof was refused")
			}
			return
		}
		p := proof(secret, roleDialer, t1)
		if short(t1) && !bytes.Equal(p, refProof(secret, roleDialer, dn1, ln1, string(did1), string(lid1))) {
			t.Fatalf("proof %x differs from the design's %x", p, refProof(secret, roleDialer, dn1, ln1, string(did1), string(lid1)))
		}
		if n.checkProof(roleDialer, t1, p) != short(t1) {
			t.Fatalf("the proof of a transcript (fields %d, %d, %d, %d bytes) verified: %v",
				len(dn1), len(ln1), len(did1), len(lid1), n.checkProof(roleDialer, t1, p))
		}
		if n.checkProof(roleListener, t1, p) {
			t.Fatal("a dialer's proof verified as the listener's")
		}
		if !sameTranscript(t1, t2) && n.checkProof(roleDialer, t2, p) {
			t.Fatalf("a proof made for %s verified for %s", describe(t1), describe(t2))
		}
		if !bytes.Equal(got, p) && n.checkProof(roleDialer, t1, got) {
			t.Fatalf("bytes %.64x that are not the proof %x verified", got, p)
		}
	})
}

// describe names a transcript by its field lengths and a prefix of each.
func describe(t transcript) string {
	return fmt.Sprintf("{%d:%.16x %d:%.16x %d:%.16q %d:%.16q}", len(t.dialerNonce), t.dialerNonce, len(t.listenerNonce), t.listenerNonce,
		len(t.dialerID), t.dialerID, len(t.listenerID), t.listenerID)
}

// short reports whether every field of t fits its 2-byte length.
func short(t transcript) bool {
	return len(t.dialerNonce) <= 0xffff && len(t.listenerNonce) <= 0xffff &&
		len(t.dialerID) <= 0xffff && len(t.listenerID) <= 0xffff
}

// peerConn is the network side of a link handshake: a fake peer that reads
// what the node writes and answers it through react. Reads past what the
// peer sent end with io.EOF.
type peerConn struct {
	net.Conn // nil: a method the handshake does not use fails loudly
	in       bytes.Buffer
	sent     []byte // everything the peer sent
	out      bytes.Buffer
	react    func(written []byte)
}

// send makes b readable by the node.
func (c *peerConn) send(b []byte) {
	c.in.Write(b)
	c.sent = append(c.sent, b...)
}

func (c *peerConn) Read(p []byte) (int, error) {
	if c.in.Len() == 0 {
		return 0, io.EOF
	}
	return c.in.Read(p)
}

func (c *peerConn) Write(b []byte) (int, error) {
	c.out.Write(b)
	if c.react != nil {
		c.react(b)
	}
	return len(b), nil
}

func (c *peerConn) SetDeadline(time.Time) error { return nil }

// Modes of FuzzLinkHello.
const (
	helloDialerSide = 1 << iota // the node dials (else it listens)
	helloSameSecret             // the peer knows the node's secret (else it uses peerSecret)
	helloRawReply               // the peer's second frame is raw input bytes, not a hello
	helloNoSecret               // the node has no secret
)

// FuzzLinkHello runs one end of the link handshake (the node as listener
// or as dialer) against a fake peer driven by the input: its frames are
// raw bytes or hellos whose fields and proof come from the input (a proof
// made with the peer's secret, tampered with the input's bytes).
//
// Invariants: nothing panics; the node accepts the peer if and only if it
// has no secret or the peer's proof is the design's HMAC of the handshake
// as the node saw it (the node's own nonce, read back from what it wrote);
// an honest peer that knows the secret is always accepted; the proof the
// node sends is the design's, for its role; the peer the node reports is
// the one the first hello named; and what the node writes is only hellos.
func FuzzLinkHello(f *testing.F) {
	hello := func(h *gamesrvv1.Hello) []byte {
		b, err := linkwire.Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: h}})
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	nonce := []byte("0123456789abcdef")
	first := hello(&gamesrvv1.Hello{ServerId: "gate-1", BootId: "boot", Nonce: nonce, MaxConcurrent: 64})
	call, _ := linkwire.Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: 7, Route: "room.room.join", Payload: []byte{0x0a, 1, 'x'}, TimeoutMs: 500,
		Session: &gamesrvv1.SessionSnapshot{Id: 3, Uid: "ann", FrontendId: "gate", Data: map[string]string{"k": "v"}}}}})
	secret := []byte("s3cret")
	for _, mode := range []byte{0, helloSameSecret, helloDialerSide, helloDialerSide | helloSameSecret, helloNoSecret, helloDialerSide | helloNoSecret} {
		f.Add(mode, secret, []byte("guess"), first, []byte("gate-1"), []byte{})
		f.Add(mode, secret, secret, first, []byte("gate-1"), []byte{0, 0, 1})  // one bit off
		f.Add(mode, secret, secret, first, []byte("gate-1"), make([]byte, 40)) // a longer proof
	}
	f.Add(byte(helloRawReply), secret, secret, first, call, []byte{})                      // a call instead of the proof
	f.Add(byte(helloRawReply), secret, secret, first, hello(&gamesrvv1.Hello{}), []byte{}) // an empty proof
	f.Add(byte(helloRawReply|helloNoSecret), secret, secret, first, []byte{0, 0, 0, 2, 0xff, 0xff}, []byte{})
	f.Add(byte(helloSameSecret), secret, secret, call, []byte{}, []byte{})         // not a hello first
	f.Add(byte(helloSameSecret), secret, secret, []byte{0, 0}, []byte{}, []byte{}) // truncated
	f.Add(byte(helloSameSecret), secret, secret, []byte{0xff, 0xff, 0xff, 0xff}, []byte{}, []byte{})
	f.Add(byte(helloSameSecret), secret, secret, hello(&gamesrvv1.Hello{ServerId: "x", Nonce: make([]byte, 1<<16)}), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, mode byte, secret, peerSecret, first, second, tamper []byte) {
		if mode&helloNoSecret != 0 {
			secret = nil
		}
		if mode&helloSameSecret != 0 {
			peerSecret = secret
		}
		n := &Handshake{ID: "room-1", Boot: "boot-1", Secret: secret, MaxConcurrent: 8, Timeout: time.Second}
		if mode&helloDialerSide != 0 {
			fuzzDialerHello(t, n, mode, peerSecret, first, second, tamper)
		} else {
			fuzzListenerHello(t, n, mode, peerSecret, first, second, tamper)
		}
	})
}

// fuzzListenerHello: the peer dials the node. first is the peer's opening
// frame (any bytes); then the peer proves itself over what it sent and the
// node's answer, or sends second as it is (helloRawReply).
func fuzzListenerHello(t *testing.T, n *Handshake, mode byte, peerSecret, first, second, tamper []byte) {
	c := &peerConn{}
	c.send(first)
	opening := decodeHello(first) // as the peer meant it
	c.react = func(written []byte) {
		if mode&helloRawReply != 0 {
			c.send(second)
			return
		}
		answer := decodeHello(written)
		if opening == nil || answer == nil {
			return // the peer gives up
		}
		proof := xorBytes(refProof(peerSecret, roleDialer, opening.GetNonce(), answer.GetNonce(), opening.GetServerId(), answer.GetServerId()), tamper)
		b, _ := linkwire.Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: &gamesrvv1.Hello{Proof: proof}}})
		c.send(b)
	}
	peer, err := n.Listen(c, bufio.NewReader(c))
	answer := decodeHello(c.out.Bytes())
	if c.out.Len() > 0 && (answer == nil || len(frameBytesOf(c.out.Bytes())) != c.out.Len()) {
		t.Fatalf("the node wrote %.200x, not one hello", c.out.Bytes())
	}
	if answer != nil && opening != nil && len(n.Secret) > 0 {
		want := refProof(n.Secret, roleListener, opening.GetNonce(), answer.GetNonce(), opening.GetServerId(), n.ID)
		if !bytes.Equal(answer.GetProof(), want) {
			t.Fatalf("the node's proof %x is not the design's %x", answer.GetProof(), want)
		}
	}
	if err != nil {
		honest := mode&helloRawReply == 0 && opening != nil && answer != nil && bytes.Equal(peerSecret, n.Secret) &&
			allZero(tamper) && fieldsFit(opening) && len(frameBytesOf(first)) == len(first)
		if honest {
			t.Fatalf("an honest dialer was refused: %v", err)
		}
		return
	}
	if opening == nil || answer == nil {
		t.Fatalf("accepted %.100q after an opening frame %.200x that is not a hello", peer.ID, first)
	}
	// The proof the node checked is the peer's second frame, wherever
	// its bytes came from.
	checkAccepted(t, n, peer, opening, decodeHello(c.sent[len(frameBytesOf(c.sent)):]), roleDialer,
		opening.GetNonce(), answer.GetNonce(), opening.GetServerId(), n.ID)
}

// fuzzDialerHello: the node dials the peer. The peer answers the node's
// hello with a hello naming second as its id and first as its nonce, and
// a proof over that (tampered), or with first as it is (helloRawReply).
func fuzzDialerHello(t *testing.T, n *Handshake, mode byte, peerSecret, first, second, tamper []byte) {
	c := &peerConn{}
	var reply *gamesrvv1.Hello // what the peer answered, as it meant it
	replied := false
	c.react = func(written []byte) {
		if replied {
			return // the node's proof: the handshake is over
		}
		replied = true
		if mode&helloRawReply != 0 {
			c.send(first)
			reply = decodeHello(first)
			return
		}
		opening := decodeHello(written)
		if opening == nil {
			t.Fatalf("the node opened with %.200x, not a hello", written)
		}
		reply = &gamesrvv1.Hello{ServerId: string(second), BootId: "peer-boot", Nonce: first, MaxConcurrent: 3}
		reply.Proof = xorBytes(refProof(peerSecret, roleListener, opening.GetNonce(), first, opening.GetServerId(), string(second)), tamper)
		b, err := linkwire.Encode(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: reply}})
		if err != nil {
			reply = nil // not encodable (an id that is not UTF-8): the peer gives up
			return
		}
		c.send(b)
	}
	peer, err := n.Dial(c, bufio.NewReader(c))
	written := c.out.Bytes()
	opening := decodeHello(written)
	if opening == nil {
		t.Fatalf("the node opened with %.200x, not a hello", written)
	}
	if opening.GetServerId() != n.ID || len(opening.GetNonce()) < 16 || len(opening.GetProof()) != 0 {
		t.Fatalf("the node's opening hello %v", opening)
	}
	if err != nil {
		honest := mode&helloRawReply == 0 && bytes.Equal(peerSecret, n.Secret) && allZero(tamper) && fieldsFit(reply)
		if honest {
			t.Fatalf("an honest listener was refused: %v", err)
		}
		return
	}
	if reply == nil || decodeHello(written[len(frameBytesOf(written)):]) == nil {
		t.Fatalf("accepted %.100q without the peer's hello, or without sending a proof", peer.ID)
	}
	checkAccepted(t, n, peer, reply, reply, roleListener, opening.GetNonce(), reply.GetNonce(), n.ID, reply.GetServerId())
	if len(n.Secret) > 0 {
		mine := decodeHello(written[len(frameBytesOf(written)):])
		want := refProof(n.Secret, roleDialer, opening.GetNonce(), reply.GetNonce(), n.ID, reply.GetServerId())
		if !bytes.Equal(mine.GetProof(), want) {
			t.Fatalf("the node's proof %x is not the design's %x", mine.GetProof(), want)
		}
	}
}

// checkAccepted checks an accepted handshake: the peer is the one the
// peer's first hello named, and the proof it gave (in proofHello) is the
// design's for role over the transcript, unless the node has no secret.
func checkAccepted(t *testing.T, n *Handshake, peer Peer, named, proofHello *gamesrvv1.Hello, role string,
	dialerNonce, listenerNonce []byte, dialerID, listenerID string) {
	t.Helper()
	if peer.ID != named.GetServerId() || peer.Boot != named.GetBootId() || peer.MaxConcurrent != int(named.GetMaxConcurrent()) {
		t.Fatalf("accepted peer %.100q/%q/%d, the hello named %.100q/%q/%d", peer.ID, peer.Boot, peer.MaxConcurrent,
			named.GetServerId(), named.GetBootId(), named.GetMaxConcurrent())
	}
	if len(n.Secret) == 0 {
		return
	}
	if !fieldsFit(named) || proofHello == nil {
		t.Fatalf("accepted a hello whose fields do not fit the transcript: nonce %d bytes, id %d bytes", len(named.GetNonce()), len(named.GetServerId()))
	}
	want := refProof(n.Secret, role, dialerNonce, listenerNonce, dialerID, listenerID)
	if !bytes.Equal(proofHello.GetProof(), want) {
		t.Fatalf("accepted the proof %x; the design's is %x", proofHello.GetProof(), want)
	}
}

// decodeHello decodes the first length-prefixed frame of b with the
// protobuf library (not the link's own codec) and returns its hello, or
// nil.
func decodeHello(b []byte) *gamesrvv1.Hello {
	body := frameBytesOf(b)
	if body == nil {
		return nil
	}
	var f gamesrvv1.Frame
	if proto.Unmarshal(body[4:], &f) != nil {
		return nil
	}
	return f.GetHello()
}

// frameBytesOf returns the first length-prefixed frame of b (prefix
// included), or nil when b does not hold one.
func frameBytesOf(b []byte) []byte {
	if len(b) < 4 {
		return nil
	}
	n := binary.BigEndian.Uint32(b)
	if n > linkwire.MaxFrameSize || uint64(len(b)-4) < uint64(n) {
		return nil
	}
	return b[:4+n]
}

// fieldsFit reports whether the nonce and id of h fit the transcript's
// 2-byte lengths.
func fieldsFit(h *gamesrvv1.Hello) bool {
	return h != nil && len(h.GetNonce()) <= 0xffff && len(h.GetServerId()) <= 0xffff
}

func xorBytes(p, tamper []byte) []byte {
	out := bytes.Clone(p)
	for i, b := range tamper {
		if i < len(out) {
			out[i] ^= b
		} else {
			out = append(out, b)
		}
	}
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return len(b) <= sha256.Size
}
