package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Handshake response codes.
const (
	HandshakeCodeOK         = 200 // the handshake is accepted
	HandshakeCodeBadRequest = 400 // the handshake is rejected; the server closes
)

// ErrInvalidHandshake reports a handshake body that is empty, not JSON, or has a key of the wrong type.
var ErrInvalidHandshake = errors.New("wire: invalid handshake")

// HandshakeSys is the "sys" object of a client handshake. Both the
// libpitaya shape (platform, libVersion, clientBuildNumber, clientVersion)
// and the pomelo JS shape (type, version, rsa) are accepted.
type HandshakeSys struct {
	Platform          string          `json:"platform,omitempty"`
	LibVersion        string          `json:"libVersion,omitempty"`
	ClientBuildNumber string          `json:"clientBuildNumber,omitempty"`
	ClientVersion     string          `json:"clientVersion,omitempty"`
	Type              string          `json:"type,omitempty"`
	Version           string          `json:"version,omitempty"`
	RSA               json.RawMessage `json:"rsa,omitempty"` // raw JSON object, or nil
}

// HandshakeRequest is the JSON body of a client's Handshake packet.
type HandshakeRequest struct {
	Sys  HandshakeSys    `json:"sys"`
	User json.RawMessage `json:"user,omitempty"` // the application's data: raw JSON object, or nil
}

// DecodeHandshakeRequest parses the body of a client's Handshake packet.
// All keys are optional, unknown keys are ignored and null stands for an
// absent key. An empty body, invalid JSON, trailing data, or a key of the
// wrong JSON type fails with ErrInvalidHandshake (the server answers 400).
// The result does not alias body.
func DecodeHandshakeRequest(body []byte) (*HandshakeRequest, error) {
	r := new(HandshakeRequest)
	if err := unmarshalObject(body, r); err != nil {
		return nil, err
	}
	var err error
	if r.User, err = objectOrNil(r.User, "user"); err != nil {
		return nil, err
	}
	if r.Sys.RSA, err = objectOrNil(r.Sys.RSA, "sys.rsa"); err != nil {
		return nil, err
	}
	return r, nil
}

// EncodeHandshakeRequest returns the JSON body of a client's Handshake packet.
func EncodeHandshakeRequest(r *HandshakeRequest) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidHandshake, err)
	}
	return b, nil
}

// HandshakeResponse is the JSON body of the server's Handshake packet.
type HandshakeResponse struct {
	Code int                   `json:"code"`
	Sys  *HandshakeResponseSys `json:"sys,omitempty"` // set for HandshakeCodeOK
}

// HandshakeResponseSys is the "sys" object of an accepted handshake.
// The field order is the wire order: dict, heartbeat, serializer.
type HandshakeResponseSys struct {
	Dict       map[string]uint16 `json:"dict"`       // route → code; nil encodes as {}
	Heartbeat  int               `json:"heartbeat"`  // positive whole seconds
	Serializer string            `json:"serializer"` // "protobuf" or "json"
}

// EncodeHandshakeResponse returns the JSON body of the server's Handshake
// packet, e.g. {"code":200,"sys":{"dict":{},"heartbeat":30,"serializer":"protobuf"}}.
// A HandshakeCodeOK response needs a Sys with a positive Heartbeat.
func EncodeHandshakeResponse(r *HandshakeResponse) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(r.withDict())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidHandshake, err)
	}
	return b, nil
}

// DecodeHandshakeResponse parses the body of the server's Handshake packet
// (for clients). A HandshakeCodeOK response must carry a positive integer
// heartbeat.
func DecodeHandshakeResponse(body []byte) (*HandshakeResponse, error) {
	r := new(HandshakeResponse)
	if err := unmarshalObject(body, r); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// check validates the sys object of an accepted handshake.
func (r *HandshakeResponse) check() error {
	if r.Code != HandshakeCodeOK {
		return nil
	}
	if r.Sys == nil {
		return fmt.Errorf("%w: code %d without sys", ErrInvalidHandshake, r.Code)
	}
	if r.Sys.Heartbeat <= 0 {
		return fmt.Errorf("%w: heartbeat %d", ErrInvalidHandshake, r.Sys.Heartbeat)
	}
	return nil
}

// withDict returns r, or a copy of it whose nil Dict is replaced by an empty one.
func (r *HandshakeResponse) withDict() *HandshakeResponse {
	if r.Sys == nil || r.Sys.Dict != nil {
		return r
	}
	sys := *r.Sys
	sys.Dict = map[string]uint16{}
	return &HandshakeResponse{Code: r.Code, Sys: &sys}
}

// unmarshalObject decodes body, which must be one JSON object, into v.
func unmarshalObject(body []byte, v any) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty body", ErrInvalidHandshake)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidHandshake, err)
	}
	if !isObject(body) {
		return fmt.Errorf("%w: not a JSON object", ErrInvalidHandshake)
	}
	return nil
}

// objectOrNil checks that raw is a JSON object or null; null becomes nil.
func objectOrNil(raw json.RawMessage, key string) (json.RawMessage, error) {
	switch {
	case raw == nil || bytes.Equal(raw, []byte("null")):
		return nil, nil
	case isObject(raw):
		return raw, nil
	}
	return nil, fmt.Errorf("%w: %q is not an object", ErrInvalidHandshake, key)
}

// isObject reports whether the valid JSON value b is an object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}
