package wire

import (
	"errors"
	"fmt"
	"strconv"
)

// MessageType is the kind of a message, bits 1..3 of its flag byte.
type MessageType byte

// The message types of PROTOCOL.md §4.
const (
	MessageRequest  MessageType = 0 // client → server, has an ID and a route
	MessageNotify   MessageType = 1 // client → server, has a route
	MessageResponse MessageType = 2 // server → client, has an ID
	MessagePush     MessageType = 3 // server → client, has a route
)

// Flag bits of the first message byte (the type occupies bits 0x0E).
const (
	FlagRouteCompressed byte = 0x01 // the route is a 2-byte dictionary code
	FlagZlib            byte = 0x10 // the payload is zlib-compressed
	FlagError           byte = 0x20 // the Response carries an error
)

// flagUnused are the flag bits written 0 and ignored on decoding.
const flagUnused byte = 0xC0

// MaxRouteLen is the longest route text a 1-byte length can express.
const MaxRouteLen = 255

// MaxHeaderLen is the longest message header: flag, ID varint, route length and route.
const MaxHeaderLen = 1 + 5 + 1 + 255

var (
	// ErrEmptyMessage reports a Data packet with an empty body.
	ErrEmptyMessage = errors.New("wire: empty message")
	// ErrInvalidMessageType reports a message type outside 0..3.
	ErrInvalidMessageType = errors.New("wire: invalid message type")
	// ErrInvalidFlag reports a flag bit that the message type does not allow.
	ErrInvalidFlag = errors.New("wire: invalid message flag")
	// ErrInvalidID reports a message ID that is too long, overflows a uint32, or is 0 on a Request.
	ErrInvalidID = errors.New("wire: invalid message ID")
	// ErrTruncated reports a message that ends inside its ID or route.
	ErrTruncated = errors.New("wire: truncated message")
	// ErrInvalidRoute reports an empty route text given to the encoder on a
	// type that has a route. The decoder returns an empty route text as it
	// is: the receiver answers it (a server with GS-400).
	ErrInvalidRoute = errors.New("wire: invalid route")
	// ErrRouteTooLong reports a route text longer than MaxRouteLen bytes.
	ErrRouteTooLong = errors.New("wire: route too long")

	errRequestID0 = fmt.Errorf("%w: request ID 0", ErrInvalidID)
	errEmptyRoute = fmt.Errorf("%w: empty", ErrInvalidRoute)
)

// String returns the protocol name of t, or "message(N)" for an invalid type.
func (t MessageType) String() string {
	switch t {
	case MessageRequest:
		return "request"
	case MessageNotify:
		return "notify"
	case MessageResponse:
		return "response"
	case MessagePush:
		return "push"
	}
	return "message(" + strconv.Itoa(int(t)) + ")"
}

// Valid reports whether t is one of the four message types.
func (t MessageType) Valid() bool {
	return t <= MessagePush
}

// HasID reports whether messages of type t carry an ID (Request, Response).
func (t MessageType) HasID() bool {
	return t == MessageRequest || t == MessageResponse
}

// HasRoute reports whether messages of type t carry a route (Request, Notify, Push).
func (t MessageType) HasRoute() bool {
	return t == MessageRequest || t == MessageNotify || t == MessagePush
}

// Message is a decoded message. Route and Payload alias the decoded buffer:
// they are valid only as long as it is.
type Message struct {
	Type       MessageType
	ID         uint32 // Request and Response
	Compressed bool   // the route is a 2-byte dictionary code
	Code       uint16 // the dictionary code, when Compressed
	Route      []byte // the route text, when !Compressed and Type.HasRoute()
	Zlib       bool   // flag 0x10: the payload is zlib-compressed (not inflated here)
	Error      bool   // flag 0x20: a Response carrying an error
	Payload    []byte
}

// DecodeMessage decodes the body of a Data packet without allocating. The
// unused flag bits 0xC0 are ignored, as are redundant bytes in the ID
// varint. A zlib payload is reported (Zlib) but not inflated. Errors wrap
// ErrEmptyMessage, ErrInvalidMessageType, ErrInvalidFlag (error flag on a
// non-Response, compressed-route flag on a Response), ErrInvalidID (varint
// over 5 bytes or uint32, Request ID 0) or ErrTruncated; all of them are
// protocol errors. An empty route text is decoded as such (Route empty, not
// nil): it is well framed, and what a route means is the receiver's
// business.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if err := m.decode(b); err != nil {
		return Message{}, err
	}
	return m, nil
}

// decode decodes b into m.
func (m *Message) decode(b []byte) error {
	if len(b) == 0 {
		return ErrEmptyMessage
	}
	if err := m.decodeFlag(b[0]); err != nil {
		return err
	}
	rest, err := m.decodeID(b[1:])
	if err != nil {
		return err
	}
	m.Payload, err = m.decodeRoute(rest)
	return err
}

// decodeFlag decodes the flag byte into m's type and flags.
func (m *Message) decodeFlag(flag byte) error {
	m.Type = MessageType(flag >> 1 & 0x07)
	m.Compressed = flag&FlagRouteCompressed != 0
	m.Zlib = flag&FlagZlib != 0
	m.Error = flag&FlagError != 0
	return checkFlags(m.Type, m.Compressed, m.Error)
}

// checkFlags validates a message type against its route-compressed and error flags.
func checkFlags(t MessageType, compressed, isErr bool) error {
	if t.Valid() && (!compressed || t.HasRoute()) && (!isErr || t == MessageResponse) {
		return nil
	}
	return flagError(t, compressed)
}

// flagError describes the flag combination that checkFlags rejected.
func flagError(t MessageType, compressed bool) error {
	switch {
	case !t.Valid():
		return fmt.Errorf("%w: %d", ErrInvalidMessageType, byte(t))
	case compressed && !t.HasRoute():
		return fmt.Errorf("%w: compressed route on a %v", ErrInvalidFlag, t)
	}
	return fmt.Errorf("%w: error flag on a %v", ErrInvalidFlag, t)
}

// decodeID reads the ID when m's type has one and returns the bytes after it.
func (m *Message) decodeID(b []byte) ([]byte, error) {
	if !m.Type.HasID() {
		return b, nil
	}
	id, n, err := readVarint(b)
	if err != nil {
		return nil, err
	}
	m.ID = id
	return b[n:], checkID(m.Type, id)
}

// checkID rejects ID 0 on a Request.
func checkID(t MessageType, id uint32) error {
	if t == MessageRequest && id == 0 {
		return errRequestID0
	}
	return nil
}

// decodeRoute reads the route when m's type has one and returns the payload.
func (m *Message) decodeRoute(b []byte) ([]byte, error) {
	switch {
	case !m.Type.HasRoute():
		return b, nil
	case m.Compressed:
		return m.decodeCode(b)
	}
	return m.decodeRouteText(b)
}

// decodeCode reads a 2-byte big-endian route code.
func (m *Message) decodeCode(b []byte) ([]byte, error) {
	if len(b) < 2 {
		return nil, truncated("route code")
	}
	m.Code = uint16(b[0])<<8 | uint16(b[1])
	return b[2:], nil
}

// truncated wraps ErrTruncated with the part of the message that is cut short.
func truncated(what string) error {
	return fmt.Errorf("%w: %s", ErrTruncated, what)
}

// decodeRouteText reads a length-prefixed route text.
func (m *Message) decodeRouteText(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, truncated("route length")
	}
	n := 1 + int(b[0])
	if len(b) < n {
		return nil, truncated("route")
	}
	m.Route = b[1:n:n]
	return b[n:], nil
}

// Header describes a message to encode. The caller appends the payload
// after it, so payloads can be marshalled straight into the buffer.
type Header struct {
	Type       MessageType
	ID         uint32 // Request and Response; ignored otherwise
	Route      string // route text, used when !Compressed on a routed type
	Code       uint16 // dictionary code, used when Compressed on a routed type
	Compressed bool   // send Code instead of Route; ignored on a Response
	Zlib       bool   // set flag 0x10 (the caller compresses the payload)
	Error      bool   // set flag 0x20; Response only
}

// AppendHeader appends the flag byte, the ID (if the type has one) and the
// route (if it has one) of h to dst. On error dst is returned unchanged.
func AppendHeader(dst []byte, h *Header) ([]byte, error) {
	if err := h.check(); err != nil {
		return dst, err
	}
	dst = append(dst, h.flag())
	if h.Type.HasID() {
		dst = appendVarint(dst, h.ID)
	}
	return h.appendRoute(dst), nil
}

// AppendMessage appends the header h followed by payload to dst.
func AppendMessage(dst []byte, h *Header, payload []byte) ([]byte, error) {
	dst, err := AppendHeader(dst, h)
	if err != nil {
		return dst, err
	}
	return append(dst, payload...), nil
}

// AppendDataPacket appends a whole Data packet (packet header, message
// header and payload) to dst. On error dst is returned unchanged.
func AppendDataPacket(dst []byte, h *Header, payload []byte) ([]byte, error) {
	start := len(dst)
	out, err := AppendHeader(append(dst, 0, 0, 0, 0), h)
	if err != nil {
		return dst, err
	}
	n := len(out) - start - HeaderLen + len(payload)
	if err := PutHeader(out[start:], PacketData, n); err != nil {
		return dst, err
	}
	return append(out, payload...), nil
}

// check validates h before encoding.
func (h *Header) check() error {
	if err := checkFlags(h.Type, h.compressed(), h.Error); err != nil {
		return err
	}
	if h.Type.HasID() {
		if err := checkID(h.Type, h.ID); err != nil {
			return err
		}
	}
	return h.checkRoute()
}

// checkRoute validates the route text of a routed, uncompressed header.
func (h *Header) checkRoute() error {
	switch {
	case !h.Type.HasRoute() || h.Compressed:
		return nil
	case h.Route == "":
		return errEmptyRoute
	case len(h.Route) > MaxRouteLen:
		return fmt.Errorf("%w: %d bytes, max %d", ErrRouteTooLong, len(h.Route), MaxRouteLen)
	}
	return nil
}

// compressed reports whether h sends a route code.
func (h *Header) compressed() bool {
	return h.Compressed && h.Type.HasRoute()
}

// flag returns the flag byte of h.
func (h *Header) flag() byte {
	f := byte(h.Type) << 1
	if h.compressed() {
		f |= FlagRouteCompressed
	}
	if h.Zlib {
		f |= FlagZlib
	}
	if h.Error {
		f |= FlagError
	}
	return f
}

// appendRoute appends the route of h, if its type has one.
func (h *Header) appendRoute(dst []byte) []byte {
	switch {
	case !h.Type.HasRoute():
		return dst
	case h.Compressed:
		return append(dst, byte(h.Code>>8), byte(h.Code))
	}
	dst = append(dst, byte(len(h.Route)))
	return append(dst, h.Route...)
}
