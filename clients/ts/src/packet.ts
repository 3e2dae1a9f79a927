// The packet layer of the wire protocol (docs/PROTOCOL.md §1): a type byte,
// a 24-bit big-endian body length, the body.

/** Packet types of PROTOCOL.md §1. */
export const PacketType = {
  /** JSON handshake request (client → server) or response (server → client). */
  Handshake: 1,
  /** Empty; the client's acknowledgement of the handshake response. */
  HandshakeAck: 2,
  /** Empty; both directions. */
  Heartbeat: 3,
  /** One message (see {@link decodeMessage}). */
  Data: 4,
  /** Empty or a JSON reason body; server → client. */
  Kick: 5,
} as const;

/** A packet type: 1..5. */
export type PacketType = (typeof PacketType)[keyof typeof PacketType];

/** Size of a packet header: the type byte and the 24-bit body length. */
export const HEADER_LEN = 4;

/** The largest body a 24-bit length can express: 2^24 - 1 bytes. */
export const MAX_BODY_LEN = 0xffffff;

/** A decoded packet. */
export interface Packet {
  /** The packet type. */
  readonly type: PacketType;
  /** The body; it may alias the bytes the packet was decoded from. */
  readonly body: Uint8Array;
}

/**
 * A violation of the wire protocol by the peer (a malformed packet or
 * message), or a value the encoder cannot express. A client that receives
 * one closes the connection.
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super("gamesrv: " + message);
    this.name = "ProtocolError";
  }
}

/** Reports whether t is one of the five packet types. */
export function isPacketType(t: number): t is PacketType {
  return t >= PacketType.Handshake && t <= PacketType.Kick;
}

/**
 * Returns the packet of type `type` carrying `body`. A body of 2^24 bytes or
 * more cannot be expressed: it throws a {@link ProtocolError} (Pitaya's
 * encoder wraps the length instead).
 */
export function encodePacket(type: PacketType, body: Uint8Array = EMPTY): Uint8Array {
  checkPacket(type, body.length);
  const out = new Uint8Array(HEADER_LEN + body.length);
  putHeader(out, type, body.length);
  out.set(body, HEADER_LEN);
  return out;
}

/** Writes the header of a packet of type `type` with an n-byte body into b[0..4]. */
export function putHeader(b: Uint8Array, type: PacketType, n: number): void {
  checkPacket(type, n);
  b[0] = type;
  b[1] = (n >>> 16) & 0xff;
  b[2] = (n >>> 8) & 0xff;
  b[3] = n & 0xff;
}

/**
 * Decodes one whole packet, as a WebSocket binary message carries it: the
 * declared length must match the bytes exactly. A declared length above
 * maxBody (default {@link MAX_BODY_LEN}) is refused. The body aliases b.
 */
export function decodePacket(b: Uint8Array, maxBody = MAX_BODY_LEN): Packet {
  if (b.length < HEADER_LEN) {
    throw new ProtocolError(`packet of ${b.length} bytes is shorter than its header`);
  }
  const [type, n] = parseHeader(b, maxBody);
  if (b.length !== HEADER_LEN + n) {
    throw new ProtocolError(`packet declares a ${n}-byte body but carries ${b.length - HEADER_LEN} bytes`);
  }
  return { type, body: b.subarray(HEADER_LEN) };
}

/**
 * Splits a byte stream (TCP) into packets. Feed it what the socket reads;
 * it returns the packets completed so far and keeps the rest. A declared
 * length above maxBody fails as soon as the header has arrived, before the
 * body is buffered.
 */
export class PacketReader {
  private readonly maxBody: number;
  private head = new Uint8Array(HEADER_LEN); // a header cut across reads
  private headLen = 0;
  private partial: Uint8Array | undefined; // a whole packet being filled
  private filled = 0;

  /** maxBody is the largest body accepted; default {@link MAX_BODY_LEN}. */
  constructor(maxBody = MAX_BODY_LEN) {
    this.maxBody = Math.min(maxBody, MAX_BODY_LEN);
  }

  /**
   * Appends chunk and returns the packets it completes, in order. Bodies of
   * packets that lie wholly inside chunk alias it. Throws a
   * {@link ProtocolError} on an invalid header.
   */
  push(chunk: Uint8Array): Packet[] {
    const out: Packet[] = [];
    let off = this.resume(chunk, out);
    while (off < chunk.length) {
      const left = chunk.length - off;
      if (left < HEADER_LEN) {
        this.head.set(chunk.subarray(off), 0);
        this.headLen = left;
        break;
      }
      const [type, n] = parseHeader(chunk.subarray(off, off + HEADER_LEN), this.maxBody);
      if (left < HEADER_LEN + n) {
        this.start(chunk.subarray(off, off + HEADER_LEN), n);
        this.partial!.set(chunk.subarray(off + HEADER_LEN), HEADER_LEN);
        this.filled += left - HEADER_LEN;
        break;
      }
      out.push({ type, body: chunk.subarray(off + HEADER_LEN, off + HEADER_LEN + n) });
      off += HEADER_LEN + n;
    }
    return out;
  }

  /** Completes a header or a packet left by the previous chunk; returns the bytes of chunk used. */
  private resume(chunk: Uint8Array, out: Packet[]): number {
    let off = 0;
    if (this.headLen > 0) {
      off = Math.min(HEADER_LEN - this.headLen, chunk.length);
      this.head.set(chunk.subarray(0, off), this.headLen);
      this.headLen += off;
      if (this.headLen < HEADER_LEN) return off;
      this.headLen = 0;
      const [, n] = parseHeader(this.head, this.maxBody);
      this.start(this.head, n);
    }
    const p = this.partial;
    if (p === undefined) return off;
    const take = Math.min(p.length - this.filled, chunk.length - off);
    p.set(chunk.subarray(off, off + take), this.filled);
    this.filled += take;
    off += take;
    if (this.filled === p.length) {
      this.partial = undefined;
      out.push({ type: p[0] as PacketType, body: p.subarray(HEADER_LEN) });
    }
    return off;
  }

  /** Starts filling a packet whose (validated) header is head and body n bytes. */
  private start(head: Uint8Array, n: number): void {
    this.partial = new Uint8Array(HEADER_LEN + n);
    this.partial.set(head.subarray(0, HEADER_LEN), 0);
    this.filled = HEADER_LEN;
  }
}

/** Reads and validates the header in b[0..4]. */
function parseHeader(b: Uint8Array, maxBody: number): [PacketType, number] {
  const t = b[0]!;
  if (!isPacketType(t)) {
    throw new ProtocolError(`invalid packet type ${t}`);
  }
  const n = (b[1]! << 16) | (b[2]! << 8) | b[3]!;
  if (n > maxBody) {
    throw new ProtocolError(`packet body of ${n} bytes exceeds the limit of ${maxBody}`);
  }
  return [t, n];
}

/** Validates the type and body length of a packet to encode. */
function checkPacket(type: number, n: number): void {
  if (!isPacketType(type)) {
    throw new ProtocolError(`invalid packet type ${type}`);
  }
  if (n < 0 || n > MAX_BODY_LEN) {
    throw new ProtocolError(`packet body of ${n} bytes exceeds the protocol's ${MAX_BODY_LEN}`);
  }
}

const EMPTY = new Uint8Array(0);
