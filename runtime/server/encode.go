package server

import (
	"bytes"
	"compress/zlib"
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
	start := len(buf)
	if isProto {
		buf, err = proto.MarshalOptions{UseCachedSize: true}.MarshalAppend(buf, msg)
	} else {
		buf, err = srv.opts.Serializer.AppendMarshal(buf, msg)
	}
	if err != nil {
		return nil, err
	}
	if t := srv.opts.Compression.Threshold; t > 0 && len(buf)-start >= t {
		return srv.compressed(h, buf, start)
	}
	return buf, wire.PutHeader(buf, wire.PacketData, len(buf)-wire.HeaderLen)
}

// compressed rebuilds a packet with its payload (buf[start:]) deflated and
// the zlib flag set, when that makes it shorter; otherwise it returns the
// packet as it was.
func (srv *Server) compressed(h *wire.Header, buf []byte, start int) ([]byte, error) {
	z := srv.deflate(buf[start:])
	if z == nil || len(z) >= len(buf)-start {
		return buf, wire.PutHeader(buf, wire.PacketData, len(buf)-wire.HeaderLen)
	}
	zh := *h
	zh.Zlib = true
	return wire.AppendDataPacket(make([]byte, 0, wire.HeaderLen+headerSize(h)+len(z)), &zh, z)
}

// deflate compresses b with zlib at the configured level, reusing
// compressors; nil on failure.
func (srv *Server) deflate(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) / 2)
	w, _ := srv.zlibWriters.Get().(*zlib.Writer)
	if w == nil {
		var err error
		if w, err = zlib.NewWriterLevel(&out, srv.opts.Compression.Level); err != nil {
			return nil
		}
	} else {
		w.Reset(&out)
	}
	defer srv.zlibWriters.Put(w)
	if _, err := w.Write(b); err != nil || w.Close() != nil {
		return nil
	}
	return out.Bytes()
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
// server is configured to and the route is in the dictionary. It counts
// the encoding (see Stats).
func (srv *Server) encodePush(route string, msg proto.Message) ([]byte, error) {
	srv.pushEncodes.Add(1)
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
