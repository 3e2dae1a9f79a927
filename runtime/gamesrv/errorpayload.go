package gamesrv

import (
	"encoding/json"
	"errors"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
)

// jsonError is the JSON form of the error payload. encoding/json keeps the
// bytes stable (protojson deliberately does not), which existing clients
// and the protocol's test vectors expect.
type jsonError struct {
	Code     string            `json:"code"`
	Msg      string            `json:"msg"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// AppendErrorPayload appends the payload of an error response for e to
// dst, in the encoding of s: gamesrv.v1.Error for protobuf; for a
// serializer named "json", one JSON object that any JSON client can parse,
// {"code":"GS-404","msg":"...","metadata":{"k":"v"}} (metadata omitted
// when empty; PROTOCOL.md §5).
func AppendErrorPayload(dst []byte, s Serializer, e *Error) ([]byte, error) {
	if isJSON(s) {
		b, err := json.Marshal(jsonError{Code: string(e.code), Msg: e.msg, Metadata: e.metadata})
		return append(dst, b...), err
	}
	pb := &gamesrvv1.Error{Code: string(e.code), Msg: e.msg, Metadata: e.metadata}
	return proto.MarshalOptions{Deterministic: true}.MarshalAppend(dst, pb)
}

// DecodeErrorPayload decodes the payload of an error response.
func DecodeErrorPayload(s Serializer, b []byte) (*Error, error) {
	var je jsonError
	if isJSON(s) {
		if err := json.Unmarshal(b, &je); err != nil {
			return nil, err
		}
	} else {
		var pb gamesrvv1.Error
		if err := proto.Unmarshal(b, &pb); err != nil {
			return nil, err
		}
		je = jsonError{Code: pb.GetCode(), Msg: pb.GetMsg(), Metadata: pb.GetMetadata()}
	}
	if je.Code == "" {
		return nil, errors.New("gamesrv: error payload without a code")
	}
	return &Error{code: Code(je.Code), msg: je.Msg, metadata: je.Metadata}, nil
}

// isJSON reports whether s is the JSON serializer (by name, so a pointer
// or a custom serializer named "json" counts).
func isJSON(s Serializer) bool { return s != nil && s.Name() == SerializerJSON }
