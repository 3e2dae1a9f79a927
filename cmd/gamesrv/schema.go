package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// hexPrefix starts a payload given as hexadecimal bytes: "hex:0a0141".
const hexPrefix = "hex:"

// schema is what the CLI knows of a server: its serializer and route
// dictionary from the handshake and, when the server answers the describe
// route, its routes and the descriptors of their messages. Without the
// describe route (a Pitaya server, or DisableDescribe), payloads are hex,
// or JSON passed through to a JSON server.
type schema struct {
	ser    gamesrv.Serializer
	dict   map[string]uint16
	desc   *gamesrvv1.DescribeResponse // nil without the describe route
	err    error                       // why desc is nil
	files  *protoregistry.Files
	types  *dynamicpb.Types
	routes map[string]*gamesrvv1.RouteSchema
}

// loadSchema asks c's server to describe itself. It does not fail: a
// server without the describe route gives a schema without descriptors.
// A server whose handshake dictionary lists routes but not the describe
// route is not asked: the answer could only be an error, or nothing until
// the timeout. A server with an empty dictionary is asked.
func loadSchema(ctx context.Context, c *client.Client, timeout time.Duration) *schema {
	s := &schema{ser: c.Serializer(), dict: c.Dict(), routes: map[string]*gamesrvv1.RouteSchema{}}
	if _, ok := s.dict[gamesrv.DescribeRoute]; !ok && len(s.dict) > 0 {
		s.err = errors.New("not in the server's route dictionary")
		return s
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp := new(gamesrvv1.DescribeResponse)
	if err := c.Request(ctx, gamesrv.DescribeRoute, &gamesrvv1.DescribeRequest{}, resp); err != nil {
		s.err = err
		return s
	}
	if err := s.adopt(resp); err != nil {
		s.err = err
	}
	return s
}

// adopt builds the registry of a describe response.
func (s *schema) adopt(resp *gamesrvv1.DescribeResponse) error {
	files, err := protodesc.NewFiles(resp.GetFiles())
	if err != nil {
		return fmt.Errorf("the server's descriptors do not link: %w", err)
	}
	s.desc, s.files, s.types = resp, files, dynamicpb.NewTypes(files)
	for _, r := range resp.GetRoutes() {
		s.routes[r.GetRoute()] = r
	}
	return nil
}

// described reports whether the server answered the describe route.
func (s *schema) described() bool { return s.desc != nil }

// route returns what is known of a route: its schema, a bare entry for a
// route of the handshake dictionary, or nil.
func (s *schema) route(name string) *gamesrvv1.RouteSchema {
	if r, ok := s.routes[name]; ok {
		return r
	}
	code, ok := s.dict[name]
	if !ok {
		return nil
	}
	r := &gamesrvv1.RouteSchema{Route: name, Code: uint32(code)}
	if name == gamesrv.DescribeRoute { // servers do not list it
		r.Kind = gamesrv.KindRequest.String()
	}
	return r
}

// kindOf returns a route's kind, "request" when unknown.
func kindOf(s *schema, route string) string {
	if k := s.route(route).GetKind(); k != "" {
		return k
	}
	return gamesrv.KindRequest.String()
}

// message finds a message by full name ("chat.v1.JoinRequest") or, if
// unique, by short name ("JoinRequest").
func (s *schema) message(name string) (protoreflect.MessageDescriptor, error) {
	d, err := s.descriptor(name)
	if err != nil {
		return nil, err
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	if !ok {
		return nil, fmt.Errorf("%s is not a message", name)
	}
	return md, nil
}

// descriptor finds a message or enum by full or unique short name.
func (s *schema) descriptor(name string) (protoreflect.Descriptor, error) {
	if !s.described() {
		return nil, s.noSchema()
	}
	if d, err := s.files.FindDescriptorByName(protoreflect.FullName(name)); err == nil {
		return d, nil
	}
	found := findByShortName(s.files, name)
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no message or enum %q in the server's schema", name)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%q is ambiguous: %s and %s", name, found[0].FullName(), found[1].FullName())
}

// noSchema explains why a JSON payload cannot be converted.
func (s *schema) noSchema() error {
	return fmt.Errorf("the server does not describe its schema (%s: %v): use hex: payloads", gamesrv.DescribeRoute, s.err)
}

// encode turns a payload argument into the bytes to send for a message of
// type typeName ("" if unknown): "hex:..." is sent as is; JSON is
// converted to the server's serializer with the descriptors, or passed
// through to a JSON server. An empty argument means the empty message.
func (s *schema) encode(typeName, arg string) ([]byte, error) {
	arg = strings.TrimSpace(arg)
	if h, ok := strings.CutPrefix(arg, hexPrefix); ok {
		return hex.DecodeString(h)
	}
	if arg == "" {
		if typeName == "" && s.ser.Name() != gamesrv.SerializerJSON {
			return nil, nil
		}
		arg = "{}"
	}
	if typeName == "" {
		if s.ser.Name() == gamesrv.SerializerJSON && json.Valid([]byte(arg)) {
			return []byte(arg), nil
		}
		return nil, s.unknownType()
	}
	md, err := s.message(typeName)
	if err != nil {
		return nil, err
	}
	return s.encodeJSON(md, []byte(arg))
}

// unknownType is encode's error for JSON without a message type.
func (s *schema) unknownType() error {
	if !s.described() {
		return s.noSchema()
	}
	return errors.New("the route's message type is unknown: use hex: payloads")
}

// encodeJSON converts JSON to the server's serializer. For a JSON server
// the input is checked against the descriptor and sent as given.
func (s *schema) encodeJSON(md protoreflect.MessageDescriptor, in []byte) ([]byte, error) {
	m := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{Resolver: s.types}).Unmarshal(in, m); err != nil {
		return nil, fmt.Errorf("%s: %w", md.FullName(), err)
	}
	if s.ser.Name() == gamesrv.SerializerJSON {
		return in, nil
	}
	return s.ser.AppendMarshal(nil, m)
}

// decode renders a payload of type typeName ("" if unknown) as one line:
// compact JSON when the type is known or the server speaks JSON, else
// "hex:...".
func (s *schema) decode(typeName string, payload []byte) string {
	if typeName != "" && s.described() {
		if md, err := s.message(typeName); err == nil {
			if out, err := s.toJSON(md, payload); err == nil {
				return out
			}
		}
	}
	if s.ser.Name() == gamesrv.SerializerJSON {
		var b bytes.Buffer
		if json.Compact(&b, payload) == nil {
			return b.String()
		}
	}
	return hexPrefix + hex.EncodeToString(payload)
}

// toJSON decodes payload as md and renders it as compact protojson.
// protojson's whitespace is deliberately unstable; compacting makes the
// output stable for scripts.
func (s *schema) toJSON(md protoreflect.MessageDescriptor, payload []byte) (string, error) {
	m := dynamicpb.NewMessage(md)
	var err error
	if s.ser.Name() == gamesrv.SerializerJSON {
		err = protojson.UnmarshalOptions{Resolver: s.types, DiscardUnknown: true}.Unmarshal(payload, m)
	} else {
		err = proto.UnmarshalOptions{Resolver: s.types}.Unmarshal(payload, m)
	}
	if err != nil {
		return "", err
	}
	out, err := protojson.MarshalOptions{Resolver: s.types}.Marshal(m)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, out); err != nil {
		return "", err
	}
	return b.String(), nil
}
