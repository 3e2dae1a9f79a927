// The message layer of the wire protocol (docs/PROTOCOL.md §4): the body of
// a Data packet.
import { HEADER_LEN, PacketType, ProtocolError, putHeader } from "./packet.js";
/** Message types of PROTOCOL.md §4: bits 1..3 of the flag byte. */
export const MessageType = {
    /** Client → server; has an ID and a route. */
    Request: 0,
    /** Client → server; has a route. */
    Notify: 1,
    /** Server → client; has an ID. */
    Response: 2,
    /** Server → client; has a route. */
    Push: 3,
};
/** Flag bits of the first message byte (the type occupies 0x0E). */
export const MessageFlag = {
    /** The route is a 2-byte dictionary code. */
    RouteCompressed: 0x01,
    /** The payload is zlib-compressed (RFC 1950). */
    Zlib: 0x10,
    /** The Response carries an error payload. */
    Error: 0x20,
};
/** The longest route text a 1-byte length can express. */
export const MAX_ROUTE_LEN = 255;
/** The largest message ID: IDs are uint32 varints of at most 5 bytes. */
export const MAX_MESSAGE_ID = 0xffffffff;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** Reports whether messages of type t carry an ID (Request, Response). */
export function hasID(t) {
    return t === MessageType.Request || t === MessageType.Response;
}
/** Reports whether messages of type t carry a route (Request, Notify, Push). */
export function hasRoute(t) {
    return t !== MessageType.Response;
}
/**
 * Decodes the body of a Data packet. The unused flag bits 0xC0 are ignored,
 * as are redundant bytes in the ID varint. A zlib payload is reported, not
 * inflated. Throws a {@link ProtocolError} on an empty message, a type
 * outside 0..3, a flag the type does not allow (error flag on a non-Response,
 * compressed route on a Response), an ID varint over 5 bytes or uint32, a
 * Request ID 0, or a message cut inside its ID or route.
 */
export function decodeMessage(b) {
    if (b.length === 0)
        throw new ProtocolError("empty message");
    const flag = b[0];
    const type = (flag >> 1) & 0x07;
    const compressed = (flag & MessageFlag.RouteCompressed) !== 0;
    const error = (flag & MessageFlag.Error) !== 0;
    checkFlags(type, compressed, error);
    const t = type;
    let off = 1;
    let id = 0;
    if (hasID(t)) {
        [id, off] = readVarint(b, off);
        checkID(t, id);
    }
    let route = "";
    let code = 0;
    if (hasRoute(t)) {
        if (compressed) {
            if (b.length < off + 2)
                throw new ProtocolError("message truncated in its route code");
            code = (b[off] << 8) | b[off + 1];
            off += 2;
        }
        else {
            if (b.length < off + 1)
                throw new ProtocolError("message truncated in its route length");
            const n = b[off];
            if (b.length < off + 1 + n)
                throw new ProtocolError("message truncated in its route");
            route = decodeRoute(b.subarray(off + 1, off + 1 + n));
            off += 1 + n;
        }
    }
    return { type: t, id, route, code, compressed, zlib: (flag & MessageFlag.Zlib) !== 0, error, payload: b.subarray(off) };
}
/**
 * Returns the encoded message: header h followed by payload. Throws a
 * {@link ProtocolError} on an invalid type or flag, a Request ID 0 or an ID
 * above 2^32-1, an empty route text, a route over 255 bytes, or a code
 * outside 0..65535.
 */
export function encodeMessage(h, payload = EMPTY) {
    return encode(h, payload, 0);
}
/** Returns a whole Data packet (packet header, message header, payload). */
export function encodeDataPacket(h, payload = EMPTY) {
    const out = encode(h, payload, HEADER_LEN);
    putHeader(out, PacketType.Data, out.length - HEADER_LEN);
    return out;
}
/** Encodes h and payload after `reserve` free bytes. */
function encode(h, payload, reserve) {
    const t = h.type;
    const compressed = !!h.compressed && hasRoute(t);
    checkFlags(t, compressed, !!h.error);
    const id = h.id ?? 0;
    if (hasID(t))
        checkEncodeID(t, id);
    let route;
    if (hasRoute(t) && !compressed)
        route = routeBytes(h.route ?? "");
    const code = h.code ?? 0;
    if (compressed && !(Number.isInteger(code) && code >= 0 && code <= 0xffff)) {
        throw new ProtocolError(`invalid route code ${code}`);
    }
    const idLen = hasID(t) ? varintLen(id) : 0;
    const routeLen = !hasRoute(t) ? 0 : compressed ? 2 : 1 + route.length;
    const out = new Uint8Array(reserve + 1 + idLen + routeLen + payload.length);
    let off = reserve;
    out[off++] = flagByte(t, compressed, h);
    if (hasID(t))
        off = putVarint(out, off, id);
    if (compressed) {
        out[off++] = code >> 8;
        out[off++] = code & 0xff;
    }
    else if (typeof route === "string") {
        out[off++] = route.length;
        for (let i = 0; i < route.length; i++)
            out[off++] = route.charCodeAt(i);
    }
    else if (route !== undefined) {
        out[off++] = route.length;
        out.set(route, off);
        off += route.length;
    }
    out.set(payload, off);
    return out;
}
/**
 * Returns a route text as it is when it is ASCII (its bytes are its char
 * codes), else its UTF-8 bytes; checks its length.
 */
function routeBytes(route) {
    if (route === "")
        throw new ProtocolError("empty route");
    const b = isASCII(route) ? route : textEncoder.encode(route);
    if (b.length > MAX_ROUTE_LEN) {
        throw new ProtocolError(`route of ${b.length} bytes is longer than ${MAX_ROUTE_LEN}`);
    }
    return b;
}
function isASCII(s) {
    for (let i = 0; i < s.length; i++)
        if (s.charCodeAt(i) > 0x7f)
            return false;
    return true;
}
/** Decodes a route text: ASCII directly, anything else as UTF-8. */
function decodeRoute(b) {
    for (let i = 0; i < b.length; i++)
        if (b[i] > 0x7f)
            return textDecoder.decode(b);
    return String.fromCharCode.apply(null, b);
}
function flagByte(t, compressed, h) {
    let f = t << 1;
    if (compressed)
        f |= MessageFlag.RouteCompressed;
    if (h.zlib)
        f |= MessageFlag.Zlib;
    if (h.error)
        f |= MessageFlag.Error;
    return f;
}
/** Validates a message type against its route-compressed and error flags. */
function checkFlags(t, compressed, error) {
    if (!(Number.isInteger(t) && t >= 0 && t <= 3)) {
        throw new ProtocolError(`invalid message type ${t}`);
    }
    if (compressed && !hasRoute(t)) {
        throw new ProtocolError("compressed route on a response");
    }
    if (error && t !== MessageType.Response) {
        throw new ProtocolError(`error flag on a message of type ${t}`);
    }
}
function checkID(t, id) {
    if (t === MessageType.Request && id === 0)
        throw new ProtocolError("request ID 0");
}
function checkEncodeID(t, id) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_MESSAGE_ID) {
        throw new ProtocolError(`message ID ${id} is not a uint32`);
    }
    checkID(t, id);
}
/** Number of bytes of the varint of v. */
function varintLen(v) {
    let n = 1;
    for (; v >= 0x80; v = Math.floor(v / 0x80))
        n++;
    return n;
}
/** Writes v as a base-128 varint, least significant group first; returns the offset after it. */
function putVarint(b, off, v) {
    while (v >= 0x80) {
        b[off++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
    }
    b[off++] = v;
    return off;
}
/** Reads a varint of at most 5 bytes holding a uint32; returns it and the offset after it. */
function readVarint(b, off) {
    let v = 0;
    for (let i = 0; i < 5; i++) {
        if (off + i >= b.length)
            throw new ProtocolError("message truncated in its ID");
        const c = b[off + i];
        v += (c & 0x7f) * 2 ** (7 * i);
        if (c < 0x80) {
            if (v > MAX_MESSAGE_ID)
                throw new ProtocolError(`message ID ${v} overflows uint32`);
            return [v, off + i + 1];
        }
    }
    throw new ProtocolError("message ID varint longer than 5 bytes");
}
const EMPTY = new Uint8Array(0);
