package gamesrv

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Serializer turns messages into payload bytes and back. A server uses one
// serializer for every session and announces its name in the handshake.
type Serializer interface {
	// Name is the name announced in the handshake: "protobuf" or "json".
	Name() string
	// AppendMarshal appends the encoding of m to dst.
	AppendMarshal(dst []byte, m proto.Message) ([]byte, error)
	// Unmarshal decodes b into m.
	Unmarshal(b []byte, m proto.Message) error
}

// Serializer names.
const (
	SerializerProtobuf = "protobuf"
	SerializerJSON     = "json"
)

// ProtobufSerializer is the protobuf binary serializer, the default.
type ProtobufSerializer struct{}

// Name returns "protobuf".
func (ProtobufSerializer) Name() string { return SerializerProtobuf }

// AppendMarshal appends the binary encoding of m to dst.
func (ProtobufSerializer) AppendMarshal(dst []byte, m proto.Message) ([]byte, error) {
	return proto.MarshalOptions{}.MarshalAppend(dst, m)
}

// Unmarshal decodes the binary encoding b into m.
func (ProtobufSerializer) Unmarshal(b []byte, m proto.Message) error {
	return proto.Unmarshal(b, m)
}

// JSONSerializer is the protojson serializer, for clients that speak JSON.
type JSONSerializer struct{}

// Name returns "json".
func (JSONSerializer) Name() string { return SerializerJSON }

// AppendMarshal appends the protojson encoding of m to dst: field names
// in lowerCamelCase, fields with their default value omitted, 64-bit
// integers as strings (the proto3 JSON mapping).
func (JSONSerializer) AppendMarshal(dst []byte, m proto.Message) ([]byte, error) {
	return protojson.MarshalOptions{}.MarshalAppend(dst, m)
}

// Unmarshal decodes the protojson encoding b into m. Unknown fields are
// ignored, so older servers accept newer clients, and an empty payload is
// the empty message, as in protobuf (PROTOCOL.md §4: a payload may be
// empty).
func (JSONSerializer) Unmarshal(b []byte, m proto.Message) error {
	if len(b) == 0 {
		proto.Reset(m)
		return nil
	}
	return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, m)
}

// SerializerByName returns the serializer announced as name.
func SerializerByName(name string) (Serializer, error) {
	switch name {
	case SerializerProtobuf, "":
		return ProtobufSerializer{}, nil
	case SerializerJSON:
		return JSONSerializer{}, nil
	}
	return nil, fmt.Errorf("gamesrv: unknown serializer %q", name)
}
