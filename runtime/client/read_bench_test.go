package client

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// BenchmarkReadPacket reads a 200-byte and a 256 KiB Data packet from a
// buffered stream, as the client's reader does.
func BenchmarkReadPacket(b *testing.B) {
	for _, size := range []int{200, 256 << 10} {
		pkt, err := wire.AppendPacket(nil, wire.PacketData, make([]byte, size))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(map[int]string{200: "200B", 256 << 10: "256KiB"}[size], func(b *testing.B) {
			r := bytes.NewReader(pkt)
			br := bufio.NewReaderSize(r, 16<<10)
			b.SetBytes(int64(len(pkt)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(pkt)
				br.Reset(r)
				if _, _, err := readPacket(br, wire.MaxBodyLen); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
