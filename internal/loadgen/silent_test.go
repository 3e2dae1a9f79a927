package loadgen_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// startSilent runs a minimal Pomelo server that accepts handshakes and
// never answers a request, and returns its "tcp://" address.
func startSilent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() { serveSilently(t, nc) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, nc := range conns {
			_ = nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "tcp://" + ln.Addr().String()
}

// serveSilently answers the handshake, then reads and ignores everything.
func serveSilently(t *testing.T, nc net.Conn) {
	br := bufio.NewReader(nc)
	var hdr [wire.HeaderLen]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return
	}
	_, n, err := wire.ParseHeader(hdr[:])
	if err != nil {
		t.Error(err)
		return
	}
	if _, err := br.Discard(n); err != nil {
		return
	}
	body, err := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{Code: 200,
		Sys: &wire.HandshakeResponseSys{Heartbeat: 30, Serializer: "protobuf"}})
	if err != nil {
		t.Error(err)
		return
	}
	pkt, err := wire.AppendPacket(nil, wire.PacketHandshake, body)
	if err != nil {
		t.Error(err)
		return
	}
	if _, err := nc.Write(pkt); err != nil {
		return
	}
	if _, err := io.Copy(io.Discard, br); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Log(err)
	}
}

func TestRunCountsTimeouts(t *testing.T) {
	addr := startSilent(t) // and no describe route: raw payloads only
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: addr, Conns: 2, Requests: 2, Timeout: 50 * time.Millisecond, Pipeline: 2,
		Route: "room.room.join", Payload: []byte{0x0a, 0x01, 0x41},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 4 || r.OK != 0 || r.Errors[loadgen.FailTimeout] != 4 || r.Elapsed < 50*time.Millisecond {
		t.Errorf("sent %d ok %d errors %v in %v", r.Sent, r.OK, r.Errors, r.Elapsed)
	}
	checkNoLeaks(t)
}
