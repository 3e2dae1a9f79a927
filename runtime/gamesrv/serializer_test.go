package gamesrv_test

import (
	"encoding/json"
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
