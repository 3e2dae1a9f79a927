// @gamesrv/client: the TypeScript client of the gamesrv wire protocol.
//
// connect() and Client are what games use; the codec (packets, messages,
// handshake, error payloads) is exported for tools and tests.
export { Client, connect } from "./client.js";
export { ClosedError, Code, codeOf, decodeErrorPayload, describeCloseReason, encodeErrorPayload, GamesrvError, HandshakeError, TimeoutError, } from "./errors.js";
export { decodeHandshakeResponse, decodeKick, encodeHandshakeRequest, encodeKick, HandshakeCode, } from "./handshake.js";
export { inflateZlib } from "./inflate.js";
export { decodeMessage, encodeDataPacket, encodeMessage, MAX_MESSAGE_ID, MAX_ROUTE_LEN, MessageFlag, MessageType, } from "./message.js";
export { VERSION } from "./options.js";
export { decodePacket, encodePacket, HEADER_LEN, MAX_BODY_LEN, PacketReader, PacketType, ProtocolError, } from "./packet.js";
export { serializerFor } from "./serializer.js";
