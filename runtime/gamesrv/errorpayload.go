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
// dst, in the encoding of s: gamesrv.v1.Error for protobuf, {"code","msg",
// "metadata"} for JSON.
func AppendErrorPayload(dst []byte, s Serializer, e *Error) ([]byte, error) {
	if _, ok := s.(JSONSerializer); ok {
		b, err := json.Marshal(jsonError{Code: string(e.code), Msg: e.msg, Metadata: e.metadata})
		return append(dst, b...), err
	}
	pb := &gamesrvv1.Error{Code: string(e.code), Msg: e.msg, Metadata: e.metadata}
	return proto.MarshalOptions{Deterministic: true}.MarshalAppend(dst, pb)
}

// DecodeErrorPayload decodes the payload of an error response.
func DecodeErrorPayload(s Serializer, b []byte) (*Error, error) {
	var je jsonError
	if _, ok := s.(JSONSerializer); ok {
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
