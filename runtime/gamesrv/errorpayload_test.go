package gamesrv_test

import (
	"encoding/hex"
	"encoding/json"
	"maps"
	"os"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
)

// pitayaErrorVector is an entry of the protocol vectors' pitaya_error list.
type pitayaErrorVector struct {
	Name       string            `json:"name"`
	ID         uint32            `json:"id"`
	Code       string            `json:"code"`
	Msg        string            `json:"msg"`
	Metadata   map[string]string `json:"metadata"`
	JSON       string            `json:"json"`
	MessageHex string            `json:"message_hex"`
	PacketHex  string            `json:"packet_hex"`
}

func loadErrorVectors(t *testing.T) []pitayaErrorVector {
	b, err := os.ReadFile("../wire/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		PitayaError []pitayaErrorVector `json:"pitaya_error"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v.PitayaError
}

func TestErrorVectors(t *testing.T) {
	for _, v := range loadErrorVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			var ser gamesrv.Serializer = gamesrv.ProtobufSerializer{}
			code, msg := v.Code, v.Msg
			if v.JSON != "" {
				ser = gamesrv.JSONSerializer{}
				var je struct{ Code, Msg string }
				_ = json.Unmarshal([]byte(v.JSON), &je)
				code, msg = je.Code, je.Msg
			}
			e := gamesrv.NewError(gamesrv.Code(code), msg).WithMetadata(v.Metadata)
			buf, err := wire.AppendHeader(nil, &wire.Header{Type: wire.MessageResponse, ID: v.ID, Error: true})
			if err != nil {
				t.Fatal(err)
			}
			buf, err = gamesrv.AppendErrorPayload(buf, ser, e)
			if err != nil {
				t.Fatal(err)
			}
			want := v.MessageHex
			if want == "" {
				want = v.PacketHex[8:] // the packet header is 4 bytes
			}
			if got := hex.EncodeToString(buf); got != want {
				t.Errorf("encoded %s, want %s", got, want)
			}
			m, err := wire.DecodeMessage(buf)
			if err != nil {
				t.Fatal(err)
			}
			back, err := gamesrv.DecodeErrorPayload(ser, m.Payload)
			if err != nil || back.Code() != e.Code() || back.Message() != e.Message() || len(back.Metadata()) != len(e.Metadata()) {
				t.Errorf("decoded %v, %v", back, err)
			}
		})
	}
}

func TestDecodeErrorPayloadRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, {0xff}, []byte(`{"msg":"no code"}`)} {
		for _, ser := range []gamesrv.Serializer{gamesrv.ProtobufSerializer{}, gamesrv.JSONSerializer{}} {
			if _, err := gamesrv.DecodeErrorPayload(ser, b); err == nil {
				t.Errorf("%s decoded %q", ser.Name(), b)
			}
		}
	}
}

// FuzzDecodeErrorPayload checks the client's decoder of error payloads in
// both serializations: no panic, and a decoded error encodes back to a
// payload that decodes to the same error.
func FuzzDecodeErrorPayload(f *testing.F) {
	for _, s := range []gamesrv.Serializer{gamesrv.ProtobufSerializer{}, gamesrv.JSONSerializer{}} {
		b, _ := gamesrv.AppendErrorPayload(nil, s, gamesrv.NewError("ROOM-FULL", "full").With("room", "7"))
		f.Add(b, s.Name() == gamesrv.SerializerJSON)
	}
	f.Add([]byte(`{"code":"","msg":"x"}`), true)
	f.Add([]byte{0x0a, 0x01, 0xff}, false)
	f.Fuzz(func(t *testing.T, data []byte, useJSON bool) {
		var s gamesrv.Serializer = gamesrv.ProtobufSerializer{}
		if useJSON {
			s = gamesrv.JSONSerializer{}
		}
		e, err := gamesrv.DecodeErrorPayload(s, data)
		if err != nil {
			return
		}
		if e.Code() == "" {
			t.Fatalf("decoded an error without a code from %q", data)
		}
		b, err := gamesrv.AppendErrorPayload(nil, s, e)
		if err != nil {
			t.Fatalf("AppendErrorPayload(%v): %v", e, err)
		}
		e2, err := gamesrv.DecodeErrorPayload(s, b)
		if err != nil || e2.Code() != e.Code() || e2.Message() != e.Message() || !maps.Equal(e2.Metadata(), e.Metadata()) {
			t.Fatalf("round trip of %q: %v then %v, %v", data, e, e2, err)
		}
	})
}

// TestErrorPayloadEncoding: the exact JSON bytes (keys in order, metadata
// sorted and omitted when empty), the protobuf bytes stable whatever the
// map order, the payload appended after what dst holds, and the default
// (a nil serializer) protobuf.
func TestErrorPayloadEncoding(t *testing.T) {
	md := map[string]string{"b": "2", "a": "1", "c": "3"}
	tests := []struct {
		name string
		ser  gamesrv.Serializer
		err  *gamesrv.Error
		want string // the JSON, or "" for protobuf
	}{
		{"json", gamesrv.JSONSerializer{}, gamesrv.NewError("GS-404", "no handler"), `{"code":"GS-404","msg":"no handler"}`},
		{"json empty message", gamesrv.JSONSerializer{}, gamesrv.NewError("A", ""), `{"code":"A","msg":""}`},
		{"json metadata sorted", gamesrv.JSONSerializer{}, gamesrv.NewError("A", "m").WithMetadata(md),
			`{"code":"A","msg":"m","metadata":{"a":"1","b":"2","c":"3"}}`},
		{"protobuf", gamesrv.ProtobufSerializer{}, gamesrv.NewError("A", "m").WithMetadata(md), ""},
		{"nil serializer", nil, gamesrv.NewError("A", "m").WithMetadata(md), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, err := gamesrv.AppendErrorPayload([]byte("dst:"), tt.ser, tt.err)
			if err != nil {
				t.Fatal(err)
			}
			if string(first[:4]) != "dst:" {
				t.Fatalf("dst overwritten: %q", first)
			}
			payload := first[4:]
			if tt.want != "" && string(payload) != tt.want {
				t.Errorf("got %s, want %s", payload, tt.want)
			}
			for range 20 { // map iteration order changes between runs
				again, _ := gamesrv.AppendErrorPayload(nil, tt.ser, tt.err)
				if string(again) != string(payload) {
					t.Fatalf("unstable encoding: %x then %x", payload, again)
				}
			}
			dec := tt.ser
			if dec == nil {
				dec = gamesrv.ProtobufSerializer{}
			}
			back, err := gamesrv.DecodeErrorPayload(dec, payload)
			if err != nil || back.Code() != tt.err.Code() || back.Message() != tt.err.Message() || !maps.Equal(back.Metadata(), tt.err.Metadata()) {
				t.Errorf("decoded %v %v, %v", back, back.Metadata(), err)
			}
		})
	}
}

// TestDecodeJSONErrorPayloadLeniently: fields a newer server may add are
// ignored; a null metadata is none.
func TestDecodeJSONErrorPayloadLeniently(t *testing.T) {
	for _, in := range []string{
		`{"code":"A","msg":"m","retryAfter":3}`,
		`{"msg":"m","code":"A","metadata":null}`,
	} {
		e, err := gamesrv.DecodeErrorPayload(gamesrv.JSONSerializer{}, []byte(in))
		if err != nil || e.Code() != "A" || e.Message() != "m" || len(e.Metadata()) != 0 {
			t.Errorf("%s: %v, %v", in, e, err)
		}
	}
}
