package server

import (
	"bytes"
	"encoding/json"

	"github.com/gamesrv/gamesrv/runtime/wire"
)

// compactHandshake returns what a session keeps of its client's handshake
// for its whole life: the decoded sys fields, and the user and rsa JSON
// objects without their insignificant white space, in one buffer. Unknown
// keys are dropped.
func compactHandshake(hs *wire.HandshakeRequest) *wire.HandshakeRequest {
	out := &wire.HandshakeRequest{Sys: hs.Sys}
	buf := make([]byte, 0, len(hs.User)+len(hs.Sys.RSA))
	buf, out.User = appendCompact(buf, hs.User)
	_, out.Sys.RSA = appendCompact(buf, hs.Sys.RSA)
	return out
}

// appendCompact appends the compacted form of the JSON value raw to buf and
// returns buf and the appended part (nil for a nil raw). raw is valid JSON:
// the handshake decoder checked it.
func appendCompact(buf []byte, raw json.RawMessage) ([]byte, json.RawMessage) {
	if raw == nil {
		return buf, nil
	}
	start := len(buf)
	b := bytes.NewBuffer(buf)
	if err := json.Compact(b, raw); err != nil {
		b.Truncate(start)
		b.Write(raw)
	}
	buf = b.Bytes()
	return buf, buf[start:len(buf):len(buf)]
}

// cloneHandshake returns a copy of hs that shares no memory with it, so
// that a caller may modify it.
func cloneHandshake(hs *wire.HandshakeRequest) *wire.HandshakeRequest {
	if hs == nil {
		return &wire.HandshakeRequest{}
	}
	out := *hs
	out.User = bytes.Clone(hs.User)
	out.Sys.RSA = bytes.Clone(hs.Sys.RSA)
	return &out
}
