// One connection to a server: dial, handshake, heartbeats, server liveness
// and the ordered processing of what the server sends.

import { ClosedError, HandshakeError, TimeoutError, type CloseReason } from "./errors.js";
import {
  decodeHandshakeResponse,
  decodeKick,
  encodeHandshakeRequest,
  HandshakeCode,
  type SerializerName,
} from "./handshake.js";
import { inflateZlib } from "./inflate.js";
import { decodeMessage, encodeDataPacket, MessageType, type MessageHeader } from "./message.js";
import type { ResolvedOptions } from "./options.js";
import { encodePacket, PacketType, ProtocolError, type Packet } from "./packet.js";
import { openTCP } from "./tcp.js";
import { openWebSocket, type Transport, type TransportHandlers } from "./transport.js";

/** A parsed server URL. */
export interface Target {
  /** The URL as given. */
  readonly url: string;
  readonly scheme: "ws" | "wss" | "tcp";
  /** Host (without IPv6 brackets) and port, for tcp://. */
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a server URL: "ws://host:port/path", "wss://...", "tcp://host:port",
 * or "host:port" for TCP (as the Go client takes them).
 */
export function parseTarget(url: string): Target {
  const i = url.indexOf("://");
  const scheme = i < 0 ? "tcp" : url.slice(0, i).toLowerCase();
  if (scheme === "ws" || scheme === "wss") return { url, scheme, host: "", port: 0 };
  if (scheme !== "tcp") throw new Error(`gamesrv: unsupported scheme "${scheme}" in ${url} (ws, wss or tcp)`);
  const hostport = i < 0 ? url : url.slice(i + 3).replace(/\/+$/, "");
  const c = hostport.lastIndexOf(":");
  const host = hostport.slice(0, Math.max(c, 0)).replace(/^\[(.*)\]$/, "$1");
  const port = Number(hostport.slice(c + 1));
  if (c < 0 || host === "" || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`gamesrv: ${url} is not tcp://host:port`);
  }
  return { url, scheme, host, port };
}

/** What a connection reports to its client. */
export interface ConnectionEvents {
  /** The handshake is done: the connection carries requests from now on. */
  onReady(c: Connection): void;
  /** A response (error set: its payload is an error payload). */
  onResponse(id: number, payload: Uint8Array, error: boolean): void;
  /** A push, with its route resolved. */
  onPush(route: string, payload: Uint8Array): void;
  /** The connection ended after onReady, on its own (not by close()). */
  onEnd(c: Connection, reason: CloseReason): void;
}

/** Where a connection is: dialing, handshake, working, ended. */
type Phase = 0 | 1 | 2 | 3;
const Phase = { Dialing: 0, Handshake: 1, Working: 2, Ended: 3 } as const;

const HEARTBEAT = encodePacket(PacketType.Heartbeat);
const HANDSHAKE_ACK = encodePacket(PacketType.HandshakeAck);

/** The liveness margin past two heartbeat intervals, as in the Go client. */
const LIVENESS_MARGIN_MS = 1000;

/** Monotonic milliseconds. */
const now: () => number =
  typeof globalThis.performance?.now === "function" ? () => globalThis.performance.now() : () => Date.now();

/** A connection that completed its handshake. */
export class Connection {
  /** The heartbeat interval H the server announced, in milliseconds. */
  heartbeatMs = 0;
  /** The server's serializer. */
  serializer: SerializerName = "protobuf";
  /** The server's route dictionary: route → code. */
  dict: ReadonlyMap<string, number> = new Map();

  private readonly opts: ResolvedOptions;
  private readonly events: ConnectionEvents;
  private phase: Phase = Phase.Dialing;
  private transport: Transport | undefined;
  private routes = new Map<number, string>(); // code → route, for pushes
  private lastRecv = now();
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private livenessTimer: ReturnType<typeof setTimeout> | undefined;
  private queue: Packet[] = []; // packets waiting behind an inflate
  private busy = false; // an inflate is under way
  private handshakeDone: ((err?: Error) => void) | undefined;

  private constructor(opts: ResolvedOptions, events: ConnectionEvents) {
    this.opts = opts;
    this.events = events;
  }

  /**
   * Dials target and performs the handshake, within opts.connectTimeoutMs
   * and until signal aborts. events.onReady runs before the promise
   * resolves.
   */
  static async open(target: Target, opts: ResolvedOptions, events: ConnectionEvents, signal: AbortSignal): Promise<Connection> {
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) ctl.abort(signal.reason);
    const ms = opts.connectTimeoutMs;
    const timer = Number.isFinite(ms)
      ? setTimeout(() => ctl.abort(new TimeoutError(`gamesrv: connecting to ${target.url} took more than ${ms} ms`)), ms)
      : undefined;
    const c = new Connection(opts, events);
    try {
      if (ctl.signal.aborted) throw ctl.signal.reason;
      c.transport = await dial(target, opts, c.handlers(), ctl.signal);
      await c.handshake(ctl.signal);
      return c;
    } catch (e) {
      c.close();
      throw e;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Sends one message, with its route compressed when the dictionary has it
   * (unless the options say not to). Throws when the connection is not
   * working or the message cannot be encoded.
   */
  send(h: MessageHeader, payload: Uint8Array): void {
    if (this.phase !== Phase.Working) throw new ClosedError("gamesrv: connection is closed");
    if (h.route !== undefined && !this.opts.disableRouteCompression) {
      const code = this.dict.get(h.route);
      if (code !== undefined) h = { ...h, code, compressed: true };
    }
    this.transport!.send(encodeDataPacket(h, payload));
  }

  /** Closes the connection; no event follows. */
  close(): void {
    this.stop();
  }

  private handlers(): TransportHandlers {
    return {
      onPacket: (p) => this.receive(p),
      onClose: (err) => this.end({ kind: "error", error: err }),
    };
  }

  /** Sends the handshake and waits for the answer; sends the ack. */
  private handshake(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => this.handshakeDone?.(signal.reason as Error);
      this.handshakeDone = (err) => {
        this.handshakeDone = undefined;
        signal.removeEventListener("abort", onAbort);
        if (err) reject(err);
        else resolve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.phase = Phase.Handshake;
      this.transport!.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest({ sys: this.opts.sys, user: this.opts.user })));
    });
  }

  /** Handles the packet that answers the handshake. */
  private onHandshakePacket(p: Packet): void {
    if (p.type === PacketType.Kick) {
      const reason = decodeKick(p.body);
      throw new ClosedError(`gamesrv: kicked during the handshake${reason ? ": " + reason : ""}`, { kind: "kicked", reason });
    }
    if (p.type !== PacketType.Handshake) {
      throw new ProtocolError(`expected a handshake response, got a packet of type ${p.type}`);
    }
    const resp = decodeHandshakeResponse(p.body);
    if (resp.code !== HandshakeCode.OK || resp.sys === undefined) throw new HandshakeError(resp.code);
    this.heartbeatMs = resp.sys.heartbeat * 1000;
    this.serializer = resp.sys.serializer;
    this.dict = new Map(Object.entries(resp.sys.dict));
    for (const [route, code] of this.dict) this.routes.set(code, route);
    this.transport!.send(HANDSHAKE_ACK);
    this.phase = Phase.Working;
    this.startTimers();
    this.events.onReady(this);
    this.handshakeDone?.();
  }

  private startTimers(): void {
    this.heartbeatTimer = setInterval(() => {
      try {
        this.transport?.send(HEARTBEAT);
      } catch {
        // the transport reports its end itself
      }
    }, this.heartbeatMs);
    this.armLiveness();
  }

  /**
   * Arms the liveness timer for 2H plus a margin after the last packet
   * received; when it fires with nothing received since, the server has
   * stopped responding.
   */
  private armLiveness(): void {
    const limit = 2 * this.heartbeatMs + LIVENESS_MARGIN_MS;
    const wait = this.lastRecv + limit - now();
    if (wait <= 0) {
      this.end({ kind: "timeout" });
      return;
    }
    this.livenessTimer = setTimeout(() => this.armLiveness(), wait);
  }

  /** Takes a packet from the transport. Throwing closes the transport. */
  private receive(p: Packet): void {
    this.lastRecv = now();
    switch (this.phase) {
      case Phase.Handshake:
        try {
          this.onHandshakePacket(p);
        } catch (e) {
          this.handshakeDone?.(e as Error);
        }
        return;
      case Phase.Working:
        if (this.busy) this.queue.push(p);
        else this.process(p);
        return;
      default:
        return;
    }
  }

  /** Acts on one packet, in arrival order. */
  private process(p: Packet): void {
    switch (p.type) {
      case PacketType.Heartbeat:
        return;
      case PacketType.Data:
        return this.onData(p.body);
      case PacketType.Kick:
        return this.end({ kind: "kicked", reason: decodeKick(p.body) });
    }
    throw new ProtocolError(`unexpected packet of type ${p.type}`);
  }

  /** Delivers a response or a push; a compressed payload is inflated first, holding back what follows. */
  private onData(body: Uint8Array): void {
    const m = decodeMessage(body);
    if (m.type !== MessageType.Response && m.type !== MessageType.Push) {
      throw new ProtocolError(`the server sent a message of type ${m.type}`);
    }
    let route = m.route;
    if (m.type === MessageType.Push && m.compressed) {
      const r = this.routes.get(m.code);
      if (r === undefined) throw new ProtocolError(`push with unknown route code ${m.code}`);
      route = r;
    }
    if (!m.zlib) {
      this.deliver(m.type, m.id, route, m.payload, m.error);
      return;
    }
    this.busy = true;
    const inflate = this.opts.inflate ?? inflateZlib;
    inflate(m.payload, this.opts.maxBodySize).then(
      (payload) => {
        if (this.phase !== Phase.Working) return;
        this.busy = false;
        this.deliver(m.type, m.id, route, payload, m.error);
        this.drain();
      },
      (err: unknown) => this.end({ kind: "error", error: err instanceof Error ? err : new Error(String(err)) }),
    );
  }

  private deliver(type: MessageType, id: number, route: string, payload: Uint8Array, error: boolean): void {
    if (type === MessageType.Response) this.events.onResponse(id, payload, error);
    else this.events.onPush(route, payload);
  }

  /** Processes the packets that waited behind an inflate. */
  private drain(): void {
    while (!this.busy && this.phase === Phase.Working && this.queue.length > 0) {
      try {
        this.process(this.queue.shift()!);
      } catch (e) {
        this.end({ kind: "error", error: e as Error });
      }
    }
  }

  /** Ends the connection on its own, reporting reason once. */
  private end(reason: CloseReason): void {
    const wasWorking = this.phase === Phase.Working;
    const handshaking = this.handshakeDone;
    if (this.phase === Phase.Ended) return;
    this.stop();
    if (wasWorking) this.events.onEnd(this, reason);
    else handshaking?.(reason.kind === "error" ? reason.error : new ClosedError(`gamesrv: connection ended during the handshake`, reason));
  }

  private stop(): void {
    this.phase = Phase.Ended;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.livenessTimer);
    this.queue = [];
    this.transport?.close();
  }
}

/** Opens the transport of target. */
function dial(target: Target, opts: ResolvedOptions, handlers: TransportHandlers, signal: AbortSignal): Promise<Transport> {
  if (target.scheme === "tcp") return openTCP(target.host, target.port, opts.maxBodySize, handlers, signal);
  const WS = opts.WebSocket;
  if (WS === undefined) {
    return Promise.reject(
      new Error("gamesrv: no WebSocket global here; pass ConnectOptions.WebSocket (in Node: the ws package's WebSocket)"),
    );
  }
  return openWebSocket(WS, target.url, opts.maxBodySize, handlers, signal);
}
