// Errors a client reports, and the error payload of the wire protocol
// (docs/PROTOCOL.md §5).

import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { isObject, parseJSON, type SerializerName } from "./handshake.js";
import { ProtocolError } from "./packet.js";

/**
 * An error the server answered a request with: a stable code ("GS-404" for
 * the framework's errors, the application's own such as "CHAT-BAD-NAME"), a
 * message and optional metadata. Test the code with {@link codeOf}.
 */
export class GamesrvError extends Error {
  /** The error's code, e.g. "GS-404" or "CHAT-BAD-NAME". */
  readonly code: string;
  /** Key/value details the server attached; empty when none. */
  readonly metadata: Record<string, string>;

  constructor(code: string, message: string, metadata: Record<string, string> = {}) {
    super(message);
    this.name = "GamesrvError";
    this.code = code;
    this.metadata = metadata;
  }

  /** "GamesrvError: [code] message". */
  override toString(): string {
    return `${this.name}: [${this.code}] ${this.message}`;
  }
}

/**
 * Returns the code of an error the server answered with ({@link GamesrvError}),
 * or undefined for any other value (a timeout, a lost connection, an abort).
 * A GamesrvError of another copy of this package is recognised too.
 */
export function codeOf(err: unknown): string | undefined {
  if (err instanceof GamesrvError) return err.code;
  if (isObject(err) && err.name === "GamesrvError" && typeof err.code === "string") return err.code;
  return undefined;
}

/** The framework's error codes (PROTOCOL.md §5); applications add their own. */
export const Code = {
  /** Bad request: malformed route, payload that does not unmarshal, Request on a notify route. */
  BadRequest: "GS-400",
  /** Unauthenticated, e.g. the route requires a bound user. */
  Unauthenticated: "GS-401",
  /** No handler for the route. */
  NotFound: "GS-404",
  /** Rate limited or the session's queue is full. */
  ResourceExhausted: "GS-429",
  /** Internal: the handler failed; the detail is in the server's log. */
  Internal: "GS-500",
  /** No server of the target type, or it is shutting down. */
  Unavailable: "GS-503",
  /** Deadline exceeded on the server. */
  DeadlineExceeded: "GS-504",
} as const;

/**
 * Why a connection ended:
 * - `closed`: {@link Client.close} was called;
 * - `kicked`: the server sent a Kick packet; `reason` is its reason, "" when
 *   the server gave none (the default of gamesrv and every Pomelo server);
 * - `timeout`: the server sent nothing for more than two heartbeat intervals
 *   (plus a second);
 * - `error`: a network error, the server closed the connection, or it broke
 *   the protocol.
 */
export type CloseReason =
  | { readonly kind: "closed" }
  | { readonly kind: "kicked"; readonly reason: string }
  | { readonly kind: "timeout" }
  | { readonly kind: "error"; readonly error: Error };

/** Returns a short description of r: "closed", "kicked by the server: duplicate login", ... */
export function describeCloseReason(r: CloseReason): string {
  switch (r.kind) {
    case "closed":
      return "closed";
    case "kicked":
      return r.reason === "" ? "kicked by the server" : "kicked by the server: " + r.reason;
    case "timeout":
      return "the server stopped responding";
    case "error":
      return r.error.message;
  }
}

/**
 * A call that cannot complete because there is no connection: the client is
 * not connected yet, it is reconnecting, the connection was lost while the
 * request waited, or the client is closed. `reason` says why the connection
 * ended (undefined before the first connect); `reconnecting` is true when the
 * client is reconnecting (a later call may succeed).
 */
export class ClosedError extends Error {
  /** Why the connection ended; undefined when it never started. */
  readonly reason: CloseReason | undefined;
  /** The client is reconnecting. */
  readonly reconnecting: boolean;

  constructor(message: string, reason?: CloseReason, reconnecting = false) {
    super(message);
    this.name = "ClosedError";
    this.reason = reason;
    this.reconnecting = reconnecting;
  }
}

/** A request or a connect that did not complete within its deadline. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** The server refused the handshake (a code other than 200, e.g. 400 from a validator). */
export class HandshakeError extends Error {
  /** The server's handshake code. */
  readonly code: number;

  constructor(code: number) {
    super(`gamesrv: handshake refused with code ${code}`);
    this.name = "HandshakeError";
    this.code = code;
  }
}

const textEncoder = new TextEncoder();

/**
 * Decodes the payload of an error response: gamesrv.v1.Error
 * {code=1, msg=2, metadata=3} for protobuf, {"code","msg","metadata"} for
 * JSON. A payload without a code, or that does not decode, throws a
 * {@link ProtocolError}.
 */
export function decodeErrorPayload(serializer: SerializerName, payload: Uint8Array): GamesrvError {
  const e = serializer === "json" ? decodeJSONError(payload) : decodeProtoError(payload);
  if (e.code === "") throw new ProtocolError("error response without a code");
  return new GamesrvError(e.code, e.msg, e.metadata);
}

/**
 * Encodes the payload of an error response, as a server does (map entries
 * sorted by key, like Go's deterministic marshalling). For tests and fakes.
 */
export function encodeErrorPayload(serializer: SerializerName, e: { code: string; message: string; metadata?: Record<string, string> }): Uint8Array {
  const md = e.metadata ?? {};
  if (serializer === "json") {
    const v: { code: string; msg: string; metadata?: Record<string, string> } = { code: e.code, msg: e.message };
    if (Object.keys(md).length > 0) v.metadata = md;
    return textEncoder.encode(JSON.stringify(v));
  }
  const w = new BinaryWriter();
  if (e.code !== "") w.tag(1, WireType.LengthDelimited).string(e.code);
  if (e.message !== "") w.tag(2, WireType.LengthDelimited).string(e.message);
  for (const k of Object.keys(md).sort()) {
    w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(k).tag(2, WireType.LengthDelimited).string(md[k]!).join();
  }
  return w.finish();
}

interface ErrorFields {
  code: string;
  msg: string;
  metadata: Record<string, string>;
}

function decodeJSONError(payload: Uint8Array): ErrorFields {
  const v = parseJSON(payload, "error payload");
  if (!isObject(v)) throw new ProtocolError("error payload is not a JSON object");
  const metadata: Record<string, string> = {};
  if (isObject(v.metadata)) {
    for (const [k, val] of Object.entries(v.metadata)) {
      if (typeof val === "string") metadata[k] = val;
    }
  }
  return { code: typeof v.code === "string" ? v.code : "", msg: typeof v.msg === "string" ? v.msg : "", metadata };
}

function decodeProtoError(payload: Uint8Array): ErrorFields {
  const out: ErrorFields = { code: "", msg: "", metadata: {} };
  try {
    const r = new BinaryReader(payload);
    while (r.pos < r.len) {
      const [field, wt] = r.tag();
      if (field === 1 && wt === WireType.LengthDelimited) out.code = r.string();
      else if (field === 2 && wt === WireType.LengthDelimited) out.msg = r.string();
      else if (field === 3 && wt === WireType.LengthDelimited) readEntry(new BinaryReader(r.bytes()), out.metadata);
      else r.skip(wt, field);
    }
  } catch (e) {
    throw new ProtocolError(`error payload does not decode: ${(e as Error).message}`);
  }
  return out;
}

/** Reads one map<string,string> entry {key=1, value=2} into m. */
function readEntry(r: BinaryReader, m: Record<string, string>): void {
  let k = "";
  let v = "";
  while (r.pos < r.len) {
    const [field, wt] = r.tag();
    if (field === 1 && wt === WireType.LengthDelimited) k = r.string();
    else if (field === 2 && wt === WireType.LengthDelimited) v = r.string();
    else r.skip(wt, field);
  }
  m[k] = v;
}
