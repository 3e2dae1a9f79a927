package tcp

import (
	"testing"

	"github.com/panjf2000/gnet/v2"
)

// writevConn records the Writev calls it gets.
type writevConn struct {
	gnet.Conn
	calls []int
}

func (c *writevConn) Writev(bs [][]byte) (int, error) {
	c.calls = append(c.calls, len(bs))
	return 0, nil
}

func TestWritevChunks(t *testing.T) {
	bufs := make([][]byte, 2500)
	c := &writevConn{}
	if err := writev(c, bufs); err != nil {
		t.Fatal(err)
	}
	if len(c.calls) != 3 || c.calls[0] != maxIovec || c.calls[1] != maxIovec || c.calls[2] != 2500-2*maxIovec {
		t.Errorf("writev calls %v, want chunks of at most %d", c.calls, maxIovec)
	}
}
