package server

import (
	"time"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/wire"
	"google.golang.org/protobuf/proto"
)

// encodeData builds a whole Data packet: the message header h followed by
// msg in the server's serializer. With protobuf the buffer is sized exactly
// and the message is marshalled straight into it.
func (srv *Server) encodeData(h *wire.Header, msg proto.Message) ([]byte, error) {
	size := 0
	_, isProto := srv.opts.Serializer.(gamesrv.ProtobufSerializer)
	if isProto {
		size = proto.Size(msg)
	}
	buf := make([]byte, wire.HeaderLen, wire.HeaderLen+headerSize(h)+size)
	buf, err := wire.AppendHeader(buf, h)
	if err != nil {
		return nil, err
	}
	if isProto {
		buf, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, msg)
	} else {
		buf, err = srv.opts.Serializer.AppendMarshal(buf, msg)
	}
	if err != nil {
		return nil, err
	}
	return buf, wire.PutHeader(buf, wire.PacketData, len(buf)-wire.HeaderLen)
}

// headerSize bounds the encoded size of a message header.
func headerSize(h *wire.Header) int { return 1 + 5 + 1 + len(h.Route) }

// encodeError builds the error response packet for request id.
func (srv *Server) encodeError(id uint32, e *gamesrv.Error) ([]byte, error) {
	buf := make([]byte, wire.HeaderLen, 64)
	buf, err := wire.AppendHeader(buf, &wire.Header{Type: wire.MessageResponse, ID: id, Error: true})
	if err != nil {
		return nil, err
	}
	if buf, err = gamesrv.AppendErrorPayload(buf, srv.opts.Serializer, e); err != nil {
		return nil, err
	}
	return buf, wire.PutHeader(buf, wire.PacketData, len(buf)-wire.HeaderLen)
}

// encodePush builds a push packet. The route is compressed only when the
// server is configured to and the route is in the dictionary.
func (srv *Server) encodePush(route string, msg proto.Message) ([]byte, error) {
	h := wire.Header{Type: wire.MessagePush, Route: route}
	if code, ok := srv.reg.pushCodes[route]; ok {
		h.Code, h.Compressed = code, true
	}
	return srv.encodeData(&h, msg)
}

// handshakePackets computes the handshake responses once, at start.
func (srv *Server) handshakePackets() error {
	ok, err := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{
		Code: wire.HandshakeCodeOK,
		Sys: &wire.HandshakeResponseSys{
			Dict:       srv.reg.dict,
			Heartbeat:  int(srv.opts.Heartbeat / time.Second),
			Serializer: srv.opts.Serializer.Name(),
		},
	})
	if err != nil {
		return err
	}
	bad, err := wire.EncodeHandshakeResponse(&wire.HandshakeResponse{Code: wire.HandshakeCodeBadRequest})
	if err != nil {
		return err
	}
	if srv.handshakeOK, err = wire.AppendPacket(nil, wire.PacketHandshake, ok); err != nil {
		return err
	}
	srv.handshakeBad, err = wire.AppendPacket(nil, wire.PacketHandshake, bad)
	return err
}
