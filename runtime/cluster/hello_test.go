package cluster_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// rawLink is a link connection driven frame by frame, as an attacker
// without the secret would.
type rawLink struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialLink(t *testing.T, tn *testNode, id string) *rawLink {
	t.Helper()
	m, ok := tn.node.Membership().Member(id)
	if !ok {
		t.Fatalf("no member %s", id)
	}
	c, err := net.DialTimeout("tcp", m.LinkAddr, 2*time.Second)
	mustOK(t, err)
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return &rawLink{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes a frame: its length as 4 big-endian bytes, then the frame.
func (l *rawLink) send(f *gamesrvv1.Frame) {
	b, err := proto.Marshal(f)
	mustOK(l.t, err)
	_, err = l.c.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...))
	mustOK(l.t, err)
}

func (l *rawLink) hello(h *gamesrvv1.Hello) {
	l.send(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Hello{Hello: h}})
}

// recv reads a frame, or returns the read error.
func (l *rawLink) recv() (*gamesrvv1.Frame, error) {
	var n [4]byte
	if _, err := io.ReadFull(l.br, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(l.br, b); err != nil {
		return nil, err
	}
	f := new(gamesrvv1.Frame)
	return f, proto.Unmarshal(b, f)
}

func (l *rawLink) recvHello() *gamesrvv1.Hello {
	f, err := l.recv()
	mustOK(l.t, err)
	return f.GetHello()
}

// TestLinkProofNotReflected: an outsider opens a link to "good" claiming to
// be "gate", and gets the proof "good" asks for out of "gate" itself, by
// opening a second link to "gate" with good's challenge as its own nonce.
// The proofs bind the role and both nonces, so "good" refuses.
func TestLinkProofNotReflected(t *testing.T) {
	checkGoroutines(t)
	secret := cluster.Options{LinkSecret: []byte("s3cret")}
	gate := startNode(t, nodeConfig{id: "gate", typ: "connector", opts: secret})
	good := startNode(t, nodeConfig{id: "good", typ: "room", seeds: gate.seed(), opts: secret})
	converge(t, 2, gate, good)

	victim := dialLink(t, gate, "good")
	victim.hello(&gamesrvv1.Hello{ServerId: "gate", BootId: "forged", Nonce: []byte("0123456789abcdef")})
	challenge := victim.recvHello().GetNonce()

	oracle := dialLink(t, gate, "gate")
	oracle.hello(&gamesrvv1.Hello{ServerId: "good", BootId: "forged", Nonce: challenge})
	reflected := oracle.recvHello().GetProof()
	if len(reflected) == 0 {
		t.Fatal("gate sent no proof")
	}

	victim.hello(&gamesrvv1.Hello{ServerId: "gate", Proof: reflected})
	victim.send(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: 1, Route: whoamiRoute, Payload: mustMarshal(&emptypb.Empty{})}}})
	if f, err := victim.recv(); err == nil {
		t.Fatalf("the link with a reflected proof is open: got %v", f)
	}
}
