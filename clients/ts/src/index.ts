// @gamesrv/client: the TypeScript client of the gamesrv wire protocol.
//
// connect() and Client are what games use; the codec (packets, messages,
// handshake, error payloads) is exported for tools and tests.

export { Client, connect, type CallOptions, type ClientState, type Conn, type ReconnectEvent } from "./client.js";
export {
  ClosedError,
  Code,
  codeOf,
  decodeErrorPayload,
  describeCloseReason,
  encodeErrorPayload,
  GamesrvError,
  HandshakeError,
  TimeoutError,
  type CloseReason,
} from "./errors.js";
export {
  decodeHandshakeResponse,
  decodeKick,
  encodeHandshakeRequest,
  encodeKick,
  HandshakeCode,
  type HandshakeRequest,
  type HandshakeResponse,
  type HandshakeResponseSys,
  type HandshakeSys,
  type SerializerName,
} from "./handshake.js";
export { inflateZlib, type Inflate } from "./inflate.js";
export {
  decodeMessage,
  encodeDataPacket,
  encodeMessage,
  MAX_MESSAGE_ID,
  MAX_ROUTE_LEN,
  MessageFlag,
  MessageType,
  type Message,
  type MessageHeader,
} from "./message.js";
export { VERSION, type ConnectOptions, type Logger, type ReconnectOptions } from "./options.js";
export {
  decodePacket,
  encodePacket,
  HEADER_LEN,
  MAX_BODY_LEN,
  PacketReader,
  PacketType,
  ProtocolError,
  type Packet,
} from "./packet.js";
export { serializerFor, type Serializer } from "./serializer.js";
export type { WebSocketConstructor, WebSocketLike } from "./transport.js";
