package linkwire

import (
	"bufio"
	"bytes"
	"testing"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

func sampleFrames() []*gamesrvv1.Frame {
	return []*gamesrvv1.Frame{
		{Body: &gamesrvv1.Frame_Hello{Hello: &gamesrvv1.Hello{ServerId: "room-1", BootId: "b", Nonce: []byte{1, 2}}}},
		{Body: &gamesrvv1.Frame_Call{Call: &gamesrvv1.Call{Id: 7, Route: "room.room.join", Payload: []byte{0x0a, 1, 'x'}, TimeoutMs: 500,
			Session: &gamesrvv1.SessionSnapshot{Id: 3, Uid: "ann", FrontendId: "gate", Data: map[string]string{"k": "v"}}}}},
		{Body: &gamesrvv1.Frame_Reply{Reply: &gamesrvv1.Reply{Id: 7, Error: &gamesrvv1.Error{Code: "GS-503", Msg: "gone"}}}},
		{Body: &gamesrvv1.Frame_Cancel{Cancel: &gamesrvv1.Cancel{Id: 7}}},
	}
}

func TestFrameRoundTrip(t *testing.T) {
	var stream []byte
	for _, f := range sampleFrames() {
		b, err := Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, b...)
	}
	r, in := bufio.NewReader(bytes.NewReader(stream)), Interner{}
	for i, want := range sampleFrames() {
		got, err := Read(r, in)
		if err != nil || !proto.Equal(got, want) {
			t.Fatalf("frame %d: got %v, %v", i, got, err)
		}
	}
}

func TestReadFrameRefusesOversizedLength(t *testing.T) {
	r := bufio.NewReader(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}))
	if _, err := Read(r, nil); err == nil {
		t.Fatal("a 4 GiB frame was accepted")
	}
}

// FuzzReadFrame checks that no input makes the link frame decoder panic,
// and that what it accepts re-encodes to an equivalent frame.
func FuzzReadFrame(f *testing.F) {
	for _, fr := range sampleFrames() {
		b, _ := Encode(fr)
		f.Add(b)
	}
	f.Add([]byte{0, 0, 0, 2, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Read(bufio.NewReader(bytes.NewReader(b)), Interner{})
		if err != nil {
			return
		}
		again, err := Encode(fr)
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v", err)
		}
		back, err := Read(bufio.NewReader(bytes.NewReader(again)), nil)
		if err != nil || !proto.Equal(back, fr) {
			t.Fatalf("round trip changed the frame: %v %v", back, err)
		}
	})
}
