package gamesrv_test

import (
	"encoding/json"
	"math"
	"testing"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// namedJSON is a serializer of the application's that calls itself "json".
type namedJSON struct{ gamesrv.JSONSerializer }

// TestJSONSerializerPayloads: what a JSON-only client (JSON.parse) gets and
// may send.
func TestJSONSerializerPayloads(t *testing.T) {
	ser := gamesrv.JSONSerializer{}
	msg := &gamesrvv1.Error{Code: "X", Metadata: map[string]string{"k": "v"}}
	b, err := ser.AppendMarshal(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s is not JSON: %v", b, err)
	}
	if len(got) != 2 || got["code"] != "X" || got["metadata"].(map[string]any)["k"] != "v" {
		t.Errorf("got %s: want code and metadata, default fields omitted", b)
	}
	tests := []struct {
		name, in string
		want     proto.Message
	}{
		{"empty payload is the empty message", "", &gamesrvv1.Error{}},
		{"unknown fields ignored", `{"code":"A","future":1}`, &gamesrvv1.Error{Code: "A"}},
		{"proto names accepted", `{"code":"B","msg":"m"}`, &gamesrvv1.Error{Code: "B", Msg: "m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &gamesrvv1.Error{Code: "stale"}
			if err := ser.Unmarshal([]byte(tt.in), out); err != nil || !proto.Equal(out, tt.want) {
				t.Errorf("got %v, %v; want %v", out, err, tt.want)
			}
		})
	}
	if err := ser.Unmarshal([]byte(`{"code":`), new(gamesrvv1.Error)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

// TestJSONErrorPayload: the error payload of a JSON server is one JSON
// object {"code","msg","metadata"} that a client with no error flag can
// tell from a response by its code; every serializer named "json" gets it.
func TestJSONErrorPayload(t *testing.T) {
	for _, ser := range []gamesrv.Serializer{gamesrv.JSONSerializer{}, &gamesrv.JSONSerializer{}, namedJSON{}} {
		for _, e := range []*gamesrv.Error{
			gamesrv.NewError("GS-404", "no handler for x.y.z"),
			gamesrv.NewError("ROOM-FULL", `"full" <&>`).With("room", "7"),
		} {
			b, err := gamesrv.AppendErrorPayload(nil, ser, e)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Code     string            `json:"code"`
				Msg      string            `json:"msg"`
				Metadata map[string]string `json:"metadata"`
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(b, &got); err != nil || json.Unmarshal(b, &keys) != nil {
				t.Fatalf("%T: %s is not JSON: %v", ser, b, err)
			}
			if got.Code != string(e.Code()) || got.Msg != e.Message() || len(got.Metadata) != len(e.Metadata()) {
				t.Errorf("%T: %s for %v", ser, b, e)
			}
			if _, ok := keys["metadata"]; ok != (len(e.Metadata()) > 0) {
				t.Errorf("%T: %s: metadata present %v", ser, b, ok)
			}
		}
	}
}

// BenchmarkSerializers measures encoding and decoding a small message
// (a chat line's size) with each serializer: the cost of every request,
// response and push.
func BenchmarkSerializers(b *testing.B) {
	msg := wrapperspb.String("a line of chat, about forty bytes long..")
	for _, ser := range []gamesrv.Serializer{gamesrv.ProtobufSerializer{}, gamesrv.JSONSerializer{}} {
		buf, _ := ser.AppendMarshal(nil, msg)
		b.Run(ser.Name()+"/marshal", func(b *testing.B) {
			b.ReportAllocs()
			var dst []byte
			for b.Loop() {
				dst, _ = ser.AppendMarshal(dst[:0], msg)
			}
		})
		b.Run(ser.Name()+"/unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			var out wrapperspb.StringValue
			for b.Loop() {
				if err := ser.Unmarshal(buf, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSerializerNames: the names announced in the handshake, and what a
// client resolves them to.
func TestSerializerNames(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{"protobuf", "protobuf"},
		{"", "protobuf"}, // a server that announces none (Pitaya) speaks protobuf
		{"json", "json"},
	}
	for _, tt := range tests {
		ser, err := gamesrv.SerializerByName(tt.name)
		if err != nil || ser.Name() != tt.want {
			t.Errorf("SerializerByName(%q) = %v, %v", tt.name, ser, err)
		}
	}
	for _, bad := range []string{"JSON", "Protobuf", "msgpack"} {
		if _, err := gamesrv.SerializerByName(bad); err == nil {
			t.Errorf("SerializerByName(%q) succeeded", bad)
		}
	}
}

// TestProtojsonMapping: what the JSON serializer writes for the types a
// JavaScript client must read correctly: 64-bit integers as strings
// (beyond 2^53 a number loses digits), bytes as base64.
func TestProtojsonMapping(t *testing.T) {
	tests := []struct {
		msg  proto.Message
		want string
	}{
		{wrapperspb.Int64(1<<53 + 1), `"9007199254740993"`},
		{wrapperspb.UInt64(math.MaxUint64), `"18446744073709551615"`},
		{wrapperspb.Int32(-7), `-7`},
		{wrapperspb.Bytes([]byte{0xff, 0x00}), `"/wA="`},
		{wrapperspb.Bool(true), `true`},
	}
	for _, tt := range tests {
		b, err := gamesrv.JSONSerializer{}.AppendMarshal(nil, tt.msg)
		if err != nil || string(b) != tt.want {
			t.Errorf("%T: %s, %v; want %s", tt.msg, b, err, tt.want)
			continue
		}
		back := tt.msg.ProtoReflect().New().Interface()
		if err := (gamesrv.JSONSerializer{}).Unmarshal(b, back); err != nil || !proto.Equal(back, tt.msg) {
			t.Errorf("%s decodes to %v, %v", b, back, err)
		}
	}
}

// TestProtobufSerializerPayloads: an empty payload is the empty message
// (the old content is gone); garbage is an error.
func TestProtobufSerializerPayloads(t *testing.T) {
	ser := gamesrv.ProtobufSerializer{}
	out := &gamesrvv1.Error{Code: "stale", Msg: "stale"}
	if err := ser.Unmarshal(nil, out); err != nil || !proto.Equal(out, &gamesrvv1.Error{}) {
		t.Errorf("empty payload: %v, %v", out, err)
	}
	if err := ser.Unmarshal([]byte{0x0a, 0x05, 'a'}, out); err == nil {
		t.Error("a truncated payload decoded")
	}
	b, err := ser.AppendMarshal([]byte{1, 2}, &gamesrvv1.Error{Code: "A"})
	if err != nil || string(b) != "\x01\x02\x0a\x01A" {
		t.Errorf("AppendMarshal: %x, %v", b, err)
	}
}
