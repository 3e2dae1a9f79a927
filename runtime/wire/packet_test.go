package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestPacketTypeString(t *testing.T) {
	tests := []struct {
		t     PacketType
		want  string
		valid bool
	}{
		{0, "packet(0)", false},
		{PacketHandshake, "handshake", true},
		{PacketHandshakeAck, "handshake-ack", true},
		{PacketHeartbeat, "heartbeat", true},
		{PacketData, "data", true},
		{PacketKick, "kick", true},
		{6, "packet(6)", false},
		{9, "packet(9)", false},
		{255, "packet(255)", false},
	}
	for _, tt := range tests {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("PacketType(%d).String() = %q; want %q", byte(tt.t), got, tt.want)
		}
		if got := tt.t.Valid(); got != tt.valid {
			t.Errorf("PacketType(%d).Valid() = %v; want %v", byte(tt.t), got, tt.valid)
		}
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		typ     PacketType
		n       int
		wantErr error
	}{
		{"heartbeat", []byte{3, 0, 0, 0}, PacketHeartbeat, 0, nil},
		{"big-endian", []byte{4, 0x01, 0x02, 0x03}, PacketData, 0x010203, nil},
		{"max", []byte{1, 0xff, 0xff, 0xff}, PacketHandshake, MaxBodyLen, nil},
		{"extra bytes ignored", []byte{5, 0, 0, 2, 'a', 'b', 'c'}, PacketKick, 2, nil},
		{"type 0", []byte{0, 0, 0, 0}, 0, 0, ErrInvalidPacketType},
		{"type 6", []byte{6, 0, 0, 0}, 0, 0, ErrInvalidPacketType},
		{"type 255", []byte{255, 0, 0, 1}, 0, 0, ErrInvalidPacketType},
		{"short", []byte{4, 0, 0}, 0, 0, ErrShortHeader},
		{"nil", nil, 0, 0, ErrShortHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, n, err := ParseHeader(tt.in)
			if !errors.Is(err, tt.wantErr) || typ != tt.typ || n != tt.n {
				t.Fatalf("ParseHeader(%x) = %v, %d, %v; want %v, %d, %v", tt.in, typ, n, err, tt.typ, tt.n, tt.wantErr)
			}
		})
	}
}

func TestPutHeader(t *testing.T) {
	tests := []struct {
		name    string
		buf     int
		typ     PacketType
		n       int
		want    []byte
		wantErr error
	}{
		{"data", 4, PacketData, 0x14, []byte{4, 0, 0, 0x14}, nil},
		{"big-endian", 6, PacketHandshake, 0x0a0b0c, []byte{1, 0x0a, 0x0b, 0x0c, 0, 0}, nil},
		{"max", 4, PacketData, MaxBodyLen, []byte{4, 0xff, 0xff, 0xff}, nil},
		{"2^24 does not wrap", 4, PacketData, 1 << 24, []byte{0, 0, 0, 0}, ErrBodyTooLarge},
		{"negative", 4, PacketData, -1, []byte{0, 0, 0, 0}, ErrBodyTooLarge},
		{"invalid type", 4, 7, 1, []byte{0, 0, 0, 0}, ErrInvalidPacketType},
		{"short buffer", 3, PacketData, 1, []byte{0, 0, 0}, ErrShortHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := make([]byte, tt.buf)
			err := PutHeader(b, tt.typ, tt.n)
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(b, tt.want) {
				t.Fatalf("PutHeader = %x, %v; want %x, %v", b, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestAppendPacket(t *testing.T) {
	tests := []struct {
		name    string
		typ     PacketType
		body    []byte
		want    []byte
		wantErr error
	}{
		{"heartbeat", PacketHeartbeat, nil, []byte{3, 0, 0, 0}, nil},
		{"data", PacketData, []byte{1, 2}, []byte{4, 0, 0, 2, 1, 2}, nil},
		{"invalid type", 0, []byte{1}, nil, ErrInvalidPacketType},
		{"2^24-byte body", PacketData, make([]byte, 1<<24), nil, ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte{0xaa}
			got, err := AppendPacket(prefix, tt.typ, tt.body)
			want := append([]byte{0xaa}, tt.want...)
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(got, want) {
				t.Fatalf("AppendPacket = %x, %v; want %x, %v", got, err, want, tt.wantErr)
			}
		})
	}
}

func TestAppendPacketMaxBody(t *testing.T) {
	got, err := AppendPacket(nil, PacketData, make([]byte, MaxBodyLen))
	if err != nil || len(got) != HeaderLen+MaxBodyLen || !bytes.Equal(got[:4], []byte{4, 0xff, 0xff, 0xff}) {
		t.Fatalf("AppendPacket(MaxBodyLen) = %x..., %v", got[:min(len(got), 4)], err)
	}
}

func TestSplitPacket(t *testing.T) {
	ackAndData := []byte{2, 0, 0, 0, 4, 0, 0, 3, 0x04, 0x05, 0x41}
	tests := []struct {
		name    string
		in      []byte
		maxBody int
		typ     PacketType
		body    []byte
		n       int
		wantErr error
	}{
		{"empty", nil, 0, 0, nil, 0, nil},
		{"partial header", []byte{4, 0, 0}, 0, 0, nil, 0, nil},
		{"partial body", []byte{4, 0, 0, 3, 1, 2}, 0, 0, nil, 0, nil},
		{"empty body", []byte{3, 0, 0, 0}, 0, PacketHeartbeat, []byte{}, 4, nil},
		{"exact", []byte{4, 0, 0, 2, 1, 2}, 0, PacketData, []byte{1, 2}, 6, nil},
		{"two packets", ackAndData, 0, PacketHandshakeAck, []byte{}, 4, nil},
		{"second packet", ackAndData[4:], 0, PacketData, []byte{4, 5, 0x41}, 7, nil},
		{"at limit", []byte{4, 0, 0, 2, 1, 2}, 2, PacketData, []byte{1, 2}, 6, nil},
		{"over limit, header only", []byte{4, 0, 0, 3}, 2, 0, nil, 0, ErrBodyTooLarge},
		{"over 1 MiB, header only", []byte{4, 0x10, 0, 1}, 1 << 20, 0, nil, 0, ErrBodyTooLarge},
		{"max with default limit", []byte{4, 0xff, 0xff, 0xff}, 0, 0, nil, 0, nil},
		{"invalid type", []byte{0, 0, 0, 0}, 0, 0, nil, 0, ErrInvalidPacketType},
		{"invalid type 6", []byte{6, 0, 0, 1, 1}, 0, 0, nil, 0, ErrInvalidPacketType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, body, n, err := SplitPacket(tt.in, tt.maxBody)
			if !errors.Is(err, tt.wantErr) || typ != tt.typ || !bytes.Equal(body, tt.body) || n != tt.n {
				t.Fatalf("SplitPacket = %v, %x, %d, %v; want %v, %x, %d, %v",
					typ, body, n, err, tt.typ, tt.body, tt.n, tt.wantErr)
			}
		})
	}
}

func TestSplitPacketAliases(t *testing.T) {
	in := []byte{4, 0, 0, 2, 1, 2, 3, 0, 0, 0}
	_, body, n, err := SplitPacket(in, 0)
	if err != nil || n != 6 {
		t.Fatalf("SplitPacket = %d, %v", n, err)
	}
	in[4] = 9
	if body[0] != 9 {
		t.Error("body does not alias the input")
	}
	if cap(body) != len(body) {
		t.Errorf("cap(body) = %d; want %d so appends cannot clobber the next packet", cap(body), len(body))
	}
}

func TestStaticPackets(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"heartbeat", HeartbeatPacket(), "\x03\x00\x00\x00"},
		{"handshake ack", HandshakeAckPacket(), "\x02\x00\x00\x00"},
		{"kick", KickPacket(""), "\x05\x00\x00\x00"},
		{"kick reason", KickPacket("bye"), "\x05\x00\x00\x10" + `{"reason":"bye"}`},
		{"kick escaped", KickPacket(`a"b`), "\x05\x00\x00\x11" + `{"reason":"a\"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Fatalf("got %q; want %q", tt.got, tt.want)
			}
		})
	}
}

func TestStaticPacketsFresh(t *testing.T) {
	a := HeartbeatPacket()
	a[0] = 0
	if b := HeartbeatPacket(); b[0] != byte(PacketHeartbeat) {
		t.Fatal("HeartbeatPacket returned a shared slice")
	}
}
