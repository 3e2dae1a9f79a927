package cluster_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/gamesrv/gamesrv/internal/testkit"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

// pushProxy is a testkit.CutProxy that reads the frames coming back from
// its target and records the "@push" calls among them.
type pushProxy struct {
	*testkit.CutProxy
	mu     sync.Mutex
	pushes []int // per "@push" frame from the target, its number of session ids
}

func newPushProxy(t *testing.T) *pushProxy {
	p := &pushProxy{}
	p.CutProxy = testkit.NewCutProxy(t, "", p.inspect)
	return p
}

// inspect copies frames from the target and records its "@push" calls.
func (p *pushProxy) inspect(dst io.Writer, src io.Reader) {
	br := bufio.NewReader(src)
	for {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return
		}
		b := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(br, b); err != nil {
			return
		}
		if _, err := dst.Write(append(n[:], b...)); err != nil {
			return
		}
		var f gamesrvv1.Frame
		if proto.Unmarshal(b, &f) == nil && f.GetCall().GetRoute() == "@push" {
			var push gamesrvv1.PushRequest
			_ = proto.Unmarshal(f.GetCall().GetPayload(), &push)
			p.mu.Lock()
			p.pushes = append(p.pushes, len(push.GetSessionIds()))
			p.mu.Unlock()
		}
	}
}

// pushFrames returns the session-id counts of the "@push" frames seen.
func (p *pushProxy) pushFrames() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.pushes)
}
