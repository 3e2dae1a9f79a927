package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeHandshakeRequest(t *testing.T) {
	tests := []struct {
		name string
		in   string
		sys  HandshakeSys
		user string
	}{
		{"libpitaya",
			`{"sys":{"platform":"android","libVersion":"0.3.5","clientBuildNumber":"20","clientVersion":"2.1"},"user":{"token":"t"}}`,
			HandshakeSys{Platform: "android", LibVersion: "0.3.5", ClientBuildNumber: "20", ClientVersion: "2.1"}, `{"token":"t"}`},
		{"pomelo js",
			`{"sys":{"type":"js-websocket","version":"0.0.1","rsa":{}},"user":{}}`,
			HandshakeSys{Type: "js-websocket", Version: "0.0.1", RSA: json.RawMessage(`{}`)}, `{}`},
		{"empty object", `{}`, HandshakeSys{}, ""},
		{"nulls", `{"sys":null,"user":null}`, HandshakeSys{}, ""},
		{"null fields", `{"sys":{"platform":null,"rsa":null}}`, HandshakeSys{}, ""},
		{"unknown keys", `{"sys":{"x":[1],"version":"1"},"extra":5,"user":{"a":[1,2]}}`, HandshakeSys{Version: "1"}, `{"a":[1,2]}`},
		{"whitespace", " \n{ \"user\" : { } }\t", HandshakeSys{}, `{ }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeHandshakeRequest([]byte(tt.in))
			if err != nil {
				t.Fatalf("DecodeHandshakeRequest: %v", err)
			}
			if !sysEqual(&r.Sys, &tt.sys) || string(r.User) != tt.user || (tt.user == "") != (r.User == nil) {
				t.Fatalf("got %+v user %q; want %+v user %q", r.Sys, r.User, tt.sys, tt.user)
			}
		})
	}
}

// sysEqual compares two HandshakeSys values field by field.
func sysEqual(a, b *HandshakeSys) bool {
	return a.Platform == b.Platform && a.LibVersion == b.LibVersion && a.ClientBuildNumber == b.ClientBuildNumber &&
		a.ClientVersion == b.ClientVersion && a.Type == b.Type && a.Version == b.Version && bytes.Equal(a.RSA, b.RSA)
}

func TestDecodeHandshakeRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"invalid json", `{"sys":`},
		{"not json", `hello`},
		{"top-level null", `null`},
		{"top-level array", `[]`},
		{"top-level string", `"x"`},
		{"sys array", `{"sys":[]}`},
		{"sys string", `{"sys":"x"}`},
		{"user string", `{"user":"x"}`},
		{"user array", `{"user":[]}`},
		{"user number", `{"user":1}`},
		{"platform number", `{"sys":{"platform":5}}`},
		{"version bool", `{"sys":{"version":true}}`},
		{"clientVersion object", `{"sys":{"clientVersion":{}}}`},
		{"rsa string", `{"sys":{"rsa":"x"}}`},
		{"rsa array", `{"sys":{"rsa":[]}}`},
		{"trailing garbage", `{"sys":{}}x`},
		{"two values", `{}{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeHandshakeRequest([]byte(tt.in))
			if !errors.Is(err, ErrInvalidHandshake) || r != nil {
				t.Fatalf("DecodeHandshakeRequest(%s) = %+v, %v; want ErrInvalidHandshake", tt.in, r, err)
			}
			checkErrPrefix(t, err)
		})
	}
}

func TestDecodeHandshakeRequestCopies(t *testing.T) {
	body := []byte(`{"sys":{"platform":"ios","rsa":{"k":"v"}},"user":{"token":"abc"}}`)
	r, err := DecodeHandshakeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = 'X'
	}
	if r.Sys.Platform != "ios" || string(r.Sys.RSA) != `{"k":"v"}` || string(r.User) != `{"token":"abc"}` {
		t.Fatalf("result aliases the body: %+v user %q", r.Sys, r.User)
	}
}

func TestEncodeHandshakeRequest(t *testing.T) {
	tests := []struct {
		name string
		r    HandshakeRequest
		want string
	}{
		{"protocol example", HandshakeRequest{
			Sys:  HandshakeSys{Platform: "go", LibVersion: "0.1", ClientBuildNumber: "1", ClientVersion: "1.0"},
			User: json.RawMessage(`{}`)},
			`{"sys":{"platform":"go","libVersion":"0.1","clientBuildNumber":"1","clientVersion":"1.0"},"user":{}}`},
		{"vector", HandshakeRequest{Sys: HandshakeSys{Type: "go-client", Version: "1.0.0"}, User: json.RawMessage(`{}`)},
			`{"sys":{"type":"go-client","version":"1.0.0"},"user":{}}`},
		{"empty", HandshakeRequest{}, `{"sys":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeHandshakeRequest(&tt.r)
			if err != nil || string(got) != tt.want {
				t.Fatalf("EncodeHandshakeRequest = %s, %v; want %s", got, err, tt.want)
			}
			if _, err := DecodeHandshakeRequest(got); err != nil {
				t.Fatalf("DecodeHandshakeRequest(%s): %v", got, err)
			}
		})
	}
}

func TestEncodeHandshakeRequestInvalidUser(t *testing.T) {
	_, err := EncodeHandshakeRequest(&HandshakeRequest{User: json.RawMessage(`{`)})
	if !errors.Is(err, ErrInvalidHandshake) {
		t.Fatalf("error %v; want ErrInvalidHandshake", err)
	}
}

func TestEncodeHandshakeResponse(t *testing.T) {
	tests := []struct {
		name string
		r    HandshakeResponse
		want string
	}{
		{"protocol example", HandshakeResponse{Code: HandshakeCodeOK,
			Sys: &HandshakeResponseSys{Dict: map[string]uint16{}, Heartbeat: 30, Serializer: "protobuf"}},
			`{"code":200,"sys":{"dict":{},"heartbeat":30,"serializer":"protobuf"}}`},
		{"nil dict", HandshakeResponse{Code: HandshakeCodeOK,
			Sys: &HandshakeResponseSys{Heartbeat: 30, Serializer: "protobuf"}},
			`{"code":200,"sys":{"dict":{},"heartbeat":30,"serializer":"protobuf"}}`},
		{"dict sorted", HandshakeResponse{Code: HandshakeCodeOK,
			Sys: &HandshakeResponseSys{Dict: map[string]uint16{"room.room.leave": 2, "room.room.join": 1}, Heartbeat: 5, Serializer: "json"}},
			`{"code":200,"sys":{"dict":{"room.room.join":1,"room.room.leave":2},"heartbeat":5,"serializer":"json"}}`},
		{"bad request", HandshakeResponse{Code: HandshakeCodeBadRequest}, `{"code":400}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeHandshakeResponse(&tt.r)
			if err != nil || string(got) != tt.want {
				t.Fatalf("EncodeHandshakeResponse = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestEncodeHandshakeResponseKeepsInput(t *testing.T) {
	r := &HandshakeResponse{Code: HandshakeCodeOK, Sys: &HandshakeResponseSys{Heartbeat: 1}}
	if _, err := EncodeHandshakeResponse(r); err != nil || r.Sys.Dict != nil {
		t.Fatalf("EncodeHandshakeResponse: %v, dict %v", err, r.Sys.Dict)
	}
}

// TestHandshakeResponsePacket checks the S→C handshake packet of PROTOCOL.md §8.
func TestHandshakeResponsePacket(t *testing.T) {
	body, err := EncodeHandshakeResponse(&HandshakeResponse{Code: HandshakeCodeOK,
		Sys: &HandshakeResponseSys{Dict: map[string]uint16{}, Heartbeat: 30, Serializer: "protobuf"}})
	if err != nil {
		t.Fatal(err)
	}
	pkt, err := AppendPacket(nil, PacketHandshake, body)
	want := append([]byte{0x01, 0x00, 0x00, 0x45}, `{"code":200,"sys":{"dict":{},"heartbeat":30,"serializer":"protobuf"}}`...)
	if err != nil || len(body) != 0x45 || !bytes.Equal(pkt, want) {
		t.Fatalf("handshake packet %q (%d-byte body), %v; want %q", pkt, len(body), err, want)
	}
}

func TestEncodeHandshakeResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		r    HandshakeResponse
	}{
		{"ok without sys", HandshakeResponse{Code: HandshakeCodeOK}},
		{"heartbeat 0", HandshakeResponse{Code: HandshakeCodeOK, Sys: &HandshakeResponseSys{Serializer: "json"}}},
		{"heartbeat negative", HandshakeResponse{Code: HandshakeCodeOK, Sys: &HandshakeResponseSys{Heartbeat: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := EncodeHandshakeResponse(&tt.r); !errors.Is(err, ErrInvalidHandshake) {
				t.Fatalf("EncodeHandshakeResponse = %s, %v; want ErrInvalidHandshake", b, err)
			}
		})
	}
}

func TestDecodeHandshakeResponse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want HandshakeResponse
	}{
		{"ok", `{"code":200,"sys":{"heartbeat":30,"dict":{"room.room.join":1},"serializer":"protobuf"}}`,
			HandshakeResponse{Code: 200, Sys: &HandshakeResponseSys{Dict: map[string]uint16{"room.room.join": 1}, Heartbeat: 30, Serializer: "protobuf"}}},
		{"bad request", `{"code":400}`, HandshakeResponse{Code: 400}},
		{"unknown keys", `{"code":200,"x":1,"sys":{"heartbeat":1,"useDict":true}}`,
			HandshakeResponse{Code: 200, Sys: &HandshakeResponseSys{Heartbeat: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeHandshakeResponse([]byte(tt.in))
			if err != nil || !responsesEqual(r, &tt.want) {
				t.Fatalf("DecodeHandshakeResponse = %+v, %v; want %+v", r, err, tt.want)
			}
		})
	}
}

// responsesEqual compares two HandshakeResponses by their encoding.
func responsesEqual(a, b *HandshakeResponse) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func TestDecodeHandshakeResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ``},
		{"invalid json", `{"code":`},
		{"null", `null`},
		{"ok without sys", `{"code":200}`},
		{"heartbeat 0", `{"code":200,"sys":{"heartbeat":0}}`},
		{"heartbeat missing", `{"code":200,"sys":{"dict":{}}}`},
		{"heartbeat fraction", `{"code":200,"sys":{"heartbeat":1.5}}`},
		{"heartbeat string", `{"code":200,"sys":{"heartbeat":"30"}}`},
		{"dict code too big", `{"code":200,"sys":{"heartbeat":30,"dict":{"a":65536}}}`},
		{"code string", `{"code":"200"}`},
		{"trailing garbage", `{"code":400} x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeHandshakeResponse([]byte(tt.in))
			if !errors.Is(err, ErrInvalidHandshake) || r != nil {
				t.Fatalf("DecodeHandshakeResponse(%s) = %+v, %v; want ErrInvalidHandshake", tt.in, r, err)
			}
		})
	}
}
