// The handshake (docs/PROTOCOL.md §3) and kick (§6) bodies: JSON.
import { ProtocolError } from "./packet.js";
/** Handshake response codes. */
export const HandshakeCode = {
    /** The handshake is accepted. */
    OK: 200,
    /** The handshake is rejected; the server closes. */
    BadRequest: 400,
};
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/** Returns the JSON body of a client's Handshake packet. */
export function encodeHandshakeRequest(r) {
    return textEncoder.encode(JSON.stringify({ sys: r.sys, user: r.user }));
}
/**
 * Parses the body of the server's Handshake packet. A code-200 response must
 * carry a sys object with a positive integer heartbeat, a dict of route →
 * integer code in 0..65535 (absent means empty) and a serializer "protobuf"
 * or "json" (absent or "" means protobuf). Throws a {@link ProtocolError}
 * otherwise.
 */
export function decodeHandshakeResponse(body) {
    const v = parseJSON(body, "handshake response");
    if (!isObject(v) || typeof v.code !== "number" || !Number.isInteger(v.code)) {
        throw new ProtocolError("handshake response without an integer code");
    }
    if (v.code !== HandshakeCode.OK)
        return { code: v.code };
    const sys = v.sys;
    if (!isObject(sys))
        throw new ProtocolError(`handshake response code ${v.code} without sys`);
    const hb = sys.heartbeat;
    if (typeof hb !== "number" || !Number.isInteger(hb) || hb <= 0) {
        throw new ProtocolError(`handshake heartbeat ${JSON.stringify(hb)} is not a positive integer`);
    }
    return { code: v.code, sys: { heartbeat: hb, dict: checkDict(sys.dict), serializer: checkSerializer(sys.serializer) } };
}
function checkDict(d) {
    if (d === undefined || d === null)
        return {};
    if (!isObject(d))
        throw new ProtocolError("handshake dict is not an object");
    const out = {};
    for (const [route, code] of Object.entries(d)) {
        if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 0xffff) {
            throw new ProtocolError(`handshake dict code ${JSON.stringify(code)} of ${route} is not a uint16`);
        }
        // An own property even for a route called "__proto__".
        Object.defineProperty(out, route, { value: code, enumerable: true, writable: true, configurable: true });
    }
    return out;
}
function checkSerializer(s) {
    if (s === undefined || s === null || s === "" || s === "protobuf")
        return "protobuf";
    if (s === "json")
        return "json";
    throw new ProtocolError(`unknown serializer ${JSON.stringify(s)}`);
}
/**
 * Returns the reason of a Kick packet: "" for an empty body, else the
 * "reason" string of its JSON object ("" when the body is not such JSON).
 */
export function decodeKick(body) {
    if (body.length === 0)
        return "";
    try {
        const v = JSON.parse(textDecoder.decode(body));
        return isObject(v) && typeof v.reason === "string" ? v.reason : "";
    }
    catch {
        return "";
    }
}
/** Returns the body of a Kick packet: empty when reason is "", else {"reason":...}. */
export function encodeKick(reason) {
    return reason === "" ? new Uint8Array(0) : textEncoder.encode(JSON.stringify({ reason }));
}
/** Parses a UTF-8 JSON body, throwing a ProtocolError that names what it is. */
export function parseJSON(body, what) {
    if (body.length === 0)
        throw new ProtocolError(`empty ${what}`);
    try {
        return JSON.parse(textDecoder.decode(body));
    }
    catch (e) {
        throw new ProtocolError(`${what} is not JSON: ${e.message}`);
    }
}
/** Reports whether v is a plain JSON object (not null, not an array). */
export function isObject(v) {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
