package linkwire

import (
	"testing"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// codecFrames covers every field the hand-written codec knows.
func codecFrames() map[string]*gamesrvv1.Frame {
	return map[string]*gamesrvv1.Frame{
		"empty":      {},
		"hello":      {Body: &gamesrvv1.Frame_Hello{Hello: &gamesrvv1.Hello{ServerId: "gate-1", BootId: "boot", Nonce: []byte{1}, Proof: []byte{2, 3}}}},
		"empty call": {Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{}}},
		"forwarded request": {Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{
			Id: 1 << 40, Route: "room.room.join", Payload: []byte("payload"), TimeoutMs: 4999, Serializer: "json",
			Session: &gamesrvv1.SessionSnapshot{Id: -7, Uid: "ann", FrontendId: "gate", RemoteAddr: "10.0.0.1:5000",
				Data: map[string]string{"room": "lobby", "": "", "é": "ü"}},
		}}},
		"forwarded notify": {Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Route: "chat.room.say", Notify: true,
			Session: &gamesrvv1.SessionSnapshot{}}}},
		"call with metadata": {Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: 3, Route: "room.room.whoami",
			Metadata: map[string]string{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "", "é": "ü"}}}},
		"reply": {Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: 9, Payload: []byte{0}}}},
		"error reply": {Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: 9,
			Error:  &gamesrvv1.Error{Code: "GS-404", Msg: "no route", Metadata: map[string]string{"route": "a.b.c"}},
			Update: &gamesrvv1.SessionUpdate{Set: map[string]string{"k": "v"}, Deleted: []string{"old", ""}},
		}}},
		"empty error": {Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Error: &gamesrvv1.Error{}, Update: &gamesrvv1.SessionUpdate{}}}},
		"cancel":      {Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: 3}}},
	}
}

// TestCodecMatchesProto checks both directions: what the codec writes,
// package proto reads back, and what package proto writes, the codec
// reads back.
func TestCodecMatchesProto(t *testing.T) {
	for name, f := range codecFrames() {
		t.Run(name, func(t *testing.T) {
			ours, err := appendFrame(nil, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(ours) != sizeFrame(f) {
				t.Errorf("sizeFrame %d, appendFrame wrote %d bytes", sizeFrame(f), len(ours))
			}
			var back gamesrvv1.Frame
			if err := proto.Unmarshal(ours, &back); err != nil || !proto.Equal(&back, f) {
				t.Errorf("proto.Unmarshal of our encoding: %v, %v", &back, err)
			}
			theirs, _ := proto.Marshal(f)
			got, err := Decode(theirs, Interner{})
			if err != nil || !proto.Equal(got, f) {
				t.Errorf("Decode of proto.Marshal's encoding: %v, %v", got, err)
			}
		})
	}
}

// TestDecodeFrameFollowsProtoRules feeds encodings that only a
// hand-written encoder produces: repeated fields, merged messages, oneof
// switches, unknown fields, mismatched wire types.
func TestDecodeFrameFollowsProtoRules(t *testing.T) {
	enc := func(f *gamesrvv1.Frame) []byte { b, _ := proto.Marshal(f); return b }
	call := func(c *gamesrvv1.Call) []byte { return enc(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: c}}) }
	reply := enc(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: 2}}})
	cases := map[string][]byte{
		"call fields merge": cat(call(&gamesrvv1.Call{Id: 1, Route: "a.b.c",
			Session: &gamesrvv1.SessionSnapshot{Uid: "x", Data: map[string]string{"k": "1"}}}),
			call(&gamesrvv1.Call{Route: "d.e.f", Session: &gamesrvv1.SessionSnapshot{Id: 4, Data: map[string]string{"k": "2", "j": "3"}}})),
		"oneof switches": cat(call(&gamesrvv1.Call{Id: 1}), reply),
		"oneof switches back to a call with a session": cat(call(&gamesrvv1.Call{Id: 1}), reply,
			call(&gamesrvv1.Call{Id: 3, Session: &gamesrvv1.SessionSnapshot{Id: 5}})),
		"unknown frame field":      cat([]byte{9 << 3, 1, 5<<3 | 2, 1, 0}, reply),
		"body with wrong type":     cat([]byte{2 << 3, 5}, reply),
		"call field of wrong type": {2<<3 | 2, 5, 1<<3 | 2, 1, 'x', 1 << 3, 5},
		"map entry without key":    {2<<3 | 2, 6, 5<<3 | 2, 4, 4<<3 | 2, 2, 2<<3 | 2, 0},
		"metadata entries merge": cat(call(&gamesrvv1.Call{Metadata: map[string]string{"a": "1", "b": "2"}}),
			call(&gamesrvv1.Call{Metadata: map[string]string{"a": "3"}})),
		"metadata entry without value": {2<<3 | 2, 5, 8<<3 | 2, 3, 1<<3 | 2, 1, 'k'},
		"group in a call":              {2<<3 | 2, 4, 9<<3 | 3, 9<<3 | 4, 1 << 3, 5},
		"bool of a large varint":       {2<<3 | 2, 3, 7 << 3, 0x80, 0x02},
		"timeout truncated":            {2<<3 | 2, 6, 4 << 3, 0xff, 0xff, 0xff, 0xff, 0x1f},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if compareDecoders(t, b) == nil {
				t.Fatal("both decoders refused a valid encoding")
			}
		})
	}
}

func TestDecodeFrameRefusesBadInput(t *testing.T) {
	for name, b := range map[string][]byte{
		"invalid UTF-8 route":    {2<<3 | 2, 3, 2<<3 | 2, 1, 0xff},
		"invalid UTF-8 data key": {2<<3 | 2, 7, 5<<3 | 2, 5, 4<<3 | 2, 3, 1<<3 | 2, 1, 0xc0},
		"invalid UTF-8 metadata": {2<<3 | 2, 5, 8<<3 | 2, 3, 2<<3 | 2, 1, 0xc0},
		"truncated length":       {2<<3 | 2, 9, 1 << 3},
		"truncated varint":       {2<<3 | 2, 2, 1 << 3, 0x80},
		"field number 0":         {0, 0},
		"stray end group":        {1<<3 | 4},
	} {
		t.Run(name, func(t *testing.T) {
			if f, err := Decode(b, Interner{}); err == nil {
				t.Fatalf("accepted: %v", f)
			}
			if err := proto.Unmarshal(b, new(gamesrvv1.Frame)); err == nil {
				t.Fatal("the case is wrong: package proto accepts it")
			}
		})
	}
}

func TestInternerIsBounded(t *testing.T) {
	in := Interner{}
	for i := range 2 * maxInterned {
		in.add([]byte{byte(i), byte(i >> 8)})
	}
	in.add(make([]byte, maxInternedLen+1))
	if len(in) != maxInterned {
		t.Fatalf("Interner holds %d strings, want %d", len(in), maxInterned)
	}
}

// FuzzFrameCodec checks that the hand-written decoder agrees with
// proto.Unmarshal on every input, and that what it decodes encodes back.
func FuzzFrameCodec(f *testing.F) {
	for _, fr := range codecFrames() {
		b, _ := proto.Marshal(fr)
		f.Add(b)
	}
	f.Add([]byte{2<<3 | 2, 6, 5<<3 | 2, 4, 4<<3 | 2, 2, 2<<3 | 2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		got := compareDecoders(t, b)
		if got == nil {
			return
		}
		again, err := appendFrame(nil, got)
		if err != nil {
			t.Fatal(err)
		}
		var back gamesrvv1.Frame
		if err := proto.Unmarshal(again, &back); err != nil || !proto.Equal(&back, got) {
			t.Fatalf("re-encoding changed the frame: %v, %v", &back, err)
		}
	})
}

// compareDecoders decodes b with both codecs and fails unless they agree;
// it returns the decoded frame, or nil when both refused b.
func compareDecoders(t *testing.T, b []byte) *gamesrvv1.Frame {
	t.Helper()
	got, err := Decode(b, Interner{})
	var want gamesrvv1.Frame
	werr := proto.Unmarshal(b, &want)
	if (err == nil) != (werr == nil) {
		t.Fatalf("Decode error %v, proto.Unmarshal error %v", err, werr)
	}
	if err != nil {
		return nil
	}
	dropUnknown(want.ProtoReflect())
	if !proto.Equal(got, &want) {
		t.Fatalf("Decode %v, proto.Unmarshal %v", got, &want)
	}
	return got
}

// dropUnknown clears the unknown fields package proto keeps and links
// ignore.
func dropUnknown(m protoreflect.Message) {
	m.SetUnknown(nil)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() != nil && !fd.IsMap() && !fd.IsList() {
			dropUnknown(v.Message())
		}
		return true
	})
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// TestDecodeCallSessionAllocates checks that a call's session snapshot
// comes in the call frame's allocation: a call with a session (id only)
// decodes in as many allocations as the same call without one.
func TestDecodeCallSessionAllocates(t *testing.T) {
	call := &gamesrvv1.Call{Id: 7, Route: "room.room.join", Payload: []byte("payload")}
	without, _ := proto.Marshal(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: call}})
	call.Session = &gamesrvv1.SessionSnapshot{Id: 42}
	with, _ := proto.Marshal(&gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: call}})
	in := Interner{}
	allocs := func(b []byte) float64 {
		return testing.AllocsPerRun(100, func() {
			if _, err := Decode(b, in); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(with), allocs(without); a != b {
		t.Fatalf("a call with a session takes %v allocations, without one %v", a, b)
	}
}

var benchCall = &gamesrvv1.Frame{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{
	Id: 12345, Route: "bench.echo.echo", Payload: []byte("0123456789abcdef"), TimeoutMs: 5000,
	Session: &gamesrvv1.SessionSnapshot{Id: 42, Uid: "player-42", Data: map[string]string{"room": "lobby"}},
}}}

func BenchmarkDecodeCallFrame(b *testing.B) {
	buf, _ := proto.Marshal(benchCall)
	in := Interner{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(buf, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeCallFrameProto(b *testing.B) {
	buf, _ := proto.Marshal(benchCall)
	b.ReportAllocs()
	for b.Loop() {
		if err := proto.Unmarshal(buf, new(gamesrvv1.Frame)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeCallFrame(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendPrefixed(buf[:0], benchCall)
	}
}

func BenchmarkEncodeCallFrameProto(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = proto.MarshalOptions{}.MarshalAppend(buf[:0], benchCall)
	}
}
