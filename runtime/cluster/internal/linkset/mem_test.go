package linkset

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/link"
	"github.com/gamesrv/gamesrv/runtime/cluster/internal/linkhello"
)

// linkPairs opens k TCP connections on loopback with a link at both ends,
// each end of its own set, and sends one call each way on every link.
func linkPairs(tb testing.TB, k int) (closeAll func()) {
	tb.Helper()
	a, b := New(testConfig("a")), New(testConfig("b"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	var links []*link.Link
	for i := range k {
		c1, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			tb.Fatal(err)
		}
		c2, err := ln.Accept()
		if err != nil {
			tb.Fatal(err)
		}
		peer := fmt.Sprint(i)
		la := a.newLink(c1, bufio.NewReaderSize(c1, helloBufSize), linkhello.Peer{ID: "b" + peer}, true)
		lb := b.newLink(c2, bufio.NewReaderSize(c2, helloBufSize), linkhello.Peer{ID: "a" + peer}, false)
		la.Run()
		lb.Run()
		links = append(links, la, lb)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, l := range links {
		if _, err := l.Call(ctx, &gamesrvv1.Call{Route: "@closed", Payload: []byte{8, 1}}); err != nil {
			tb.Fatal(err)
		}
	}
	return func() {
		for _, l := range links {
			l.Close(errClosed)
		}
		a.pool.Stop()
		b.pool.Stop()
	}
}

// memInUse is the heap and stack memory in use after a collection.
func memInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// linkEndMemory is the Go memory (heap and goroutine stacks) one idle link
// end holds, after a call each way: averaged over 2×k ends.
func linkEndMemory(tb testing.TB, k int) float64 {
	before := memInUse()
	closeAll := linkPairs(tb, k)
	defer closeAll()
	after := memInUse()
	return float64(int64(after)-int64(before)) / float64(2*k)
}

// TestIdleLinkMemory: an idle link end holds under 16 KiB (socket buffers
// in the kernel aside): its large read and write buffers are pooled or
// dropped once traffic stops.
func TestIdleLinkMemory(t *testing.T) {
	if per := linkEndMemory(t, 100); per > 16<<10 {
		t.Errorf("an idle link end holds %.0f bytes, want < 16 KiB", per)
	} else {
		t.Logf("an idle link end holds %.0f bytes", per)
	}
}

// BenchmarkIdleLinkMemory reports the memory of an idle link end.
func BenchmarkIdleLinkMemory(b *testing.B) {
	var per float64
	for b.Loop() {
		per = linkEndMemory(b, 100)
	}
	b.ReportMetric(per, "B/link-end")
}
