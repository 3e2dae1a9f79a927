// Options of a client. A field left out (or 0) takes the default written on it.

import type { Registry } from "@bufbuild/protobuf";
import type { CloseReason } from "./errors.js";
import type { HandshakeSys } from "./handshake.js";
import type { Inflate } from "./inflate.js";
import type { WebSocketConstructor } from "./transport.js";

/** The version of @gamesrv/client, sent as sys.libVersion by default. */
export const VERSION = "0.1.0";

/** Where a client logs; `console` fits. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/** Options of {@link connect} and the {@link Client} constructor. */
export interface ConnectOptions {
  /**
   * The application's handshake data, sent as the "user" JSON object (for
   * example an auth token). Default: {}.
   */
  user?: Record<string, unknown>;

  /**
   * The "sys" object of the handshake. Default: platform "js", libVersion
   * {@link VERSION}.
   */
  sys?: HandshakeSys;

  /**
   * The WebSocket constructor of ws:// and wss:// URLs. Default: the
   * `WebSocket` global of browsers, Cocos Creator and Laya. Node 20 has
   * none: pass the `ws` package's (`import { WebSocket } from "ws"`).
   */
  WebSocket?: WebSocketConstructor;

  /**
   * Deadline of a request, in milliseconds, unless its call says otherwise;
   * Infinity for none. Default 10 000.
   */
  requestTimeoutMs?: number;

  /**
   * Deadline of dialing and the handshake, in milliseconds (also of each
   * reconnect attempt). Default 10 000.
   */
  connectTimeoutMs?: number;

  /**
   * Aborts the first connect (not later reconnects: use close()). Default:
   * none.
   */
  signal?: AbortSignal;

  /**
   * The largest packet body accepted from the server, and the largest
   * inflated size of a compressed payload; beyond it the connection closes.
   * Default 16 MiB - 1 (the protocol's limit).
   */
  maxBodySize?: number;

  /**
   * The number of pushes held while no push handler is registered (see
   * {@link Client.onPush}); beyond it the oldest held push is dropped and
   * logged. Default 256.
   */
  pushQueue?: number;

  /**
   * Send route strings even when the server's handshake dictionary has a
   * code for them. Default false: routes in the dictionary are sent as
   * 2-byte codes.
   */
  disableRouteCompression?: boolean;

  /**
   * Reconnect when the connection is lost, with exponential backoff; off by
   * default. `true` takes the defaults of {@link ReconnectOptions}.
   */
  reconnect?: boolean | ReconnectOptions;

  /**
   * Receives the pushes whose route has no push handler, from the first one
   * on (it counts as a handler: nothing is held). Default: none (see
   * {@link Client.onRawPush}).
   */
  onRawPush?: (route: string, payload: Uint8Array) => void;

  /**
   * Inflates zlib-compressed payloads (flag 0x10). Default: the
   * DecompressionStream global (browsers, Node 18+); runtimes without it
   * need this only when the server compresses (off by default).
   */
  inflate?: Inflate;

  /**
   * Resolves google.protobuf.Any and extensions under the JSON serializer.
   * Default: none.
   */
  registry?: Registry;

  /**
   * Receives the client's logs (held pushes dropped, push handlers that
   * throw, reconnect attempts). Default: console for warnings and errors,
   * nothing for debug and info.
   */
  logger?: Logger;
}

/** Reconnect policy. */
export interface ReconnectOptions {
  /**
   * Attempts after a connection loss before the client gives up and closes;
   * Infinity to never give up. Default 10.
   */
  maxAttempts?: number;

  /** Delay before the first attempt, in milliseconds. Default 500. */
  initialDelayMs?: number;

  /** The longest delay between attempts, in milliseconds. Default 30 000. */
  maxDelayMs?: number;

  /** Factor of the delay from one attempt to the next. Default 2. */
  multiplier?: number;

  /**
   * Randomisation of each delay: a delay d becomes a value in
   * [d(1-jitter), d(1+jitter)], so that clients dropped together do not
   * return together. Default 0.2; a negative value means none.
   */
  jitter?: number;

  /**
   * Decides whether a lost connection is worth reconnecting. Default: after
   * a network error, a server timeout, or a kick with the reason "shutdown"
   * (a gamesrv server going down gracefully, e.g. for a deploy); not after
   * any other kick (a duplicate login or a ban would bounce forever). A
   * Pitaya server kicks with no reason: return true for
   * `{kind: "kicked", reason: ""}` to come back after it restarts.
   */
  shouldReconnect?: (reason: CloseReason) => boolean;
}

/** ConnectOptions with every default applied. */
export interface ResolvedOptions {
  user: Record<string, unknown>;
  sys: HandshakeSys;
  WebSocket: WebSocketConstructor | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  signal: AbortSignal | undefined;
  maxBodySize: number;
  pushQueue: number;
  disableRouteCompression: boolean;
  reconnect: Required<ReconnectOptions> | undefined;
  onRawPush: ((route: string, payload: Uint8Array) => void) | undefined;
  inflate: Inflate | undefined;
  registry: Registry | undefined;
  logger: Logger;
}

const MAX_BODY = 0xffffff;

/** Returns o with the defaults applied. */
export function resolveOptions(o: ConnectOptions): ResolvedOptions {
  return {
    user: o.user ?? {},
    sys: o.sys ?? { platform: "js", libVersion: VERSION },
    WebSocket: o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket,
    requestTimeoutMs: positive(o.requestTimeoutMs, 10_000),
    connectTimeoutMs: positive(o.connectTimeoutMs, 10_000),
    signal: o.signal,
    maxBodySize: Math.min(positive(o.maxBodySize, MAX_BODY), MAX_BODY),
    pushQueue: positive(o.pushQueue, 256),
    disableRouteCompression: o.disableRouteCompression ?? false,
    reconnect: resolveReconnect(o.reconnect),
    onRawPush: o.onRawPush,
    inflate: o.inflate,
    registry: o.registry,
    logger: o.logger ?? defaultLogger,
  };
}

function resolveReconnect(r: boolean | ReconnectOptions | undefined): Required<ReconnectOptions> | undefined {
  if (r === undefined || r === false) return undefined;
  const o = r === true ? {} : r;
  return {
    maxAttempts: positive(o.maxAttempts, 10),
    initialDelayMs: positive(o.initialDelayMs, 500),
    maxDelayMs: positive(o.maxDelayMs, 30_000),
    multiplier: o.multiplier !== undefined && o.multiplier >= 1 ? o.multiplier : 2,
    jitter: o.jitter === undefined ? 0.2 : Math.min(Math.max(o.jitter, 0), 1),
    shouldReconnect: o.shouldReconnect ?? defaultShouldReconnect,
  };
}

function defaultShouldReconnect(reason: CloseReason): boolean {
  return reason.kind === "error" || reason.kind === "timeout" || (reason.kind === "kicked" && reason.reason === shutdownReason);
}

/** The reason a gamesrv server's Kick carries when it shuts down gracefully. */
const shutdownReason = "shutdown";

/** v when it is a positive number (Infinity included), else def. */
function positive(v: number | undefined, def: number): number {
  return v !== undefined && v > 0 ? v : def;
}

const defaultLogger: Logger = {
  debug() {},
  info() {},
  warn: (message, ...args) => console.warn(message, ...args),
  error: (message, ...args) => console.error(message, ...args),
};
