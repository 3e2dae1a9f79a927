package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// PacketType is the first byte of a packet: what the body holds.
type PacketType byte

// The packet types of PROTOCOL.md §1.
const (
	PacketHandshake    PacketType = 1 // JSON handshake request (C→S) or response (S→C)
	PacketHandshakeAck PacketType = 2 // empty body, C→S
	PacketHeartbeat    PacketType = 3 // empty body, both directions
	PacketData         PacketType = 4 // one message (see DecodeMessage)
	PacketKick         PacketType = 5 // empty or JSON reason body, S→C
)

// HeaderLen is the size of a packet header: type byte and 24-bit body length.
const HeaderLen = 4

// MaxBodyLen is the largest body a 3-byte length can express.
const MaxBodyLen = 1<<24 - 1

var (
	// ErrInvalidPacketType reports a packet type outside 1..5.
	ErrInvalidPacketType = errors.New("wire: invalid packet type")
	// ErrBodyTooLarge reports a body that exceeds MaxBodyLen or the caller's limit.
	ErrBodyTooLarge = errors.New("wire: packet body too large")
	// ErrShortHeader reports a buffer shorter than HeaderLen given to ParseHeader or PutHeader.
	ErrShortHeader = errors.New("wire: packet header needs 4 bytes")
)

// String returns the protocol name of t, or "packet(N)" for an invalid type.
func (t PacketType) String() string {
	switch t {
	case PacketHandshake:
		return "handshake"
	case PacketHandshakeAck:
		return "handshake-ack"
	case PacketHeartbeat:
		return "heartbeat"
	case PacketData:
		return "data"
	case PacketKick:
		return "kick"
	}
	return "packet(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the five packet types.
func (t PacketType) Valid() bool {
	return t >= PacketHandshake && t <= PacketKick
}

// ParseHeader reads the packet header in b[:HeaderLen]; extra bytes are
// ignored. It returns the packet type and the body length.
func ParseHeader(b []byte) (PacketType, int, error) {
	if len(b) < HeaderLen {
		return 0, 0, ErrShortHeader
	}
	t := PacketType(b[0])
	if !t.Valid() {
		return 0, 0, invalidPacketType(t)
	}
	return t, int(b[1])<<16 | int(b[2])<<8 | int(b[3]), nil
}

// PutHeader writes the header of a packet of type t with an n-byte body
// into b[:HeaderLen]. Unlike Pitaya it never wraps an oversized length.
func PutHeader(b []byte, t PacketType, n int) error {
	if err := checkPacket(t, n); err != nil {
		return err
	}
	if len(b) < HeaderLen {
		return ErrShortHeader
	}
	b[0], b[1], b[2], b[3] = byte(t), byte(n>>16), byte(n>>8), byte(n)
	return nil
}

// AppendPacket appends a packet of type t carrying body to dst. On error
// dst is returned unchanged.
func AppendPacket(dst []byte, t PacketType, body []byte) ([]byte, error) {
	if err := checkPacket(t, len(body)); err != nil {
		return dst, err
	}
	n := len(body)
	dst = append(dst, byte(t), byte(n>>16), byte(n>>8), byte(n))
	return append(dst, body...), nil
}

// SplitPacket looks for one complete packet at the start of b, for stream
// transports (TCP, KCP). It returns n == 0 and a nil error when b does not
// yet hold a whole packet. A declared length above maxBody (MaxBodyLen when
// maxBody <= 0) fails with ErrBodyTooLarge as soon as the header is present,
// before the body arrives. body aliases b; n is the number of bytes consumed.
func SplitPacket(b []byte, maxBody int) (t PacketType, body []byte, n int, err error) {
	if len(b) < HeaderLen {
		return 0, nil, 0, nil
	}
	t, size, err := ParseHeader(b)
	if err != nil {
		return 0, nil, 0, err
	}
	if size > bodyLimit(maxBody) {
		return 0, nil, 0, fmt.Errorf("%w: declared %d bytes, limit %d", ErrBodyTooLarge, size, bodyLimit(maxBody))
	}
	n = HeaderLen + size
	if len(b) < n {
		return 0, nil, 0, nil
	}
	return t, b[HeaderLen:n:n], n, nil
}

// HeartbeatPacket returns a new Heartbeat packet (03 00 00 00).
func HeartbeatPacket() []byte {
	return []byte{byte(PacketHeartbeat), 0, 0, 0}
}

// HandshakeAckPacket returns a new HandshakeAck packet (02 00 00 00).
func HandshakeAckPacket() []byte {
	return []byte{byte(PacketHandshakeAck), 0, 0, 0}
}

// KickPacket returns a new Kick packet: an empty body when reason is "",
// otherwise the JSON body {"reason":"..."}. A reason too long to fit in a
// packet falls back to the empty body.
func KickPacket(reason string) []byte {
	empty := []byte{byte(PacketKick), 0, 0, 0}
	if reason == "" {
		return empty
	}
	body, err := json.Marshal(kickBody{Reason: reason})
	if err != nil {
		return empty
	}
	p, err := AppendPacket(nil, PacketKick, body)
	if err != nil {
		return empty
	}
	return p
}

// kickBody is the JSON body of a Kick packet with a reason.
type kickBody struct {
	Reason string `json:"reason"`
}

// checkPacket validates the type and body length of a packet to encode.
func checkPacket(t PacketType, n int) error {
	if !t.Valid() {
		return invalidPacketType(t)
	}
	if n < 0 || n > MaxBodyLen {
		return fmt.Errorf("%w: %d bytes, max %d", ErrBodyTooLarge, n, MaxBodyLen)
	}
	return nil
}

// bodyLimit resolves the maxBody argument of SplitPacket.
func bodyLimit(maxBody int) int {
	if maxBody <= 0 || maxBody > MaxBodyLen {
		return MaxBodyLen
	}
	return maxBody
}

// invalidPacketType wraps ErrInvalidPacketType with the offending value.
func invalidPacketType(t PacketType) error {
	return fmt.Errorf("%w: %d", ErrInvalidPacketType, byte(t))
}
