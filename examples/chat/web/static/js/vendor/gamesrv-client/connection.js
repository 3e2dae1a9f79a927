// One connection to a server: dial, handshake, heartbeats, server liveness
// and the ordered processing of what the server sends.
import { ClosedError, HandshakeError, TimeoutError } from "./errors.js";
import { decodeHandshakeResponse, decodeKick, encodeHandshakeRequest, HandshakeCode, } from "./handshake.js";
import { inflateZlib } from "./inflate.js";
import { decodeMessage, encodeDataPacket, MessageType } from "./message.js";
import { encodePacket, PacketType, ProtocolError } from "./packet.js";
import { openTCP } from "./tcp.js";
import { openWebSocket } from "./transport.js";
/**
 * Parses a server URL: "ws://host:port/path", "wss://...", "tcp://host:port",
 * or "host:port" for TCP (as the Go client takes them).
 */
export function parseTarget(url) {
    const i = url.indexOf("://");
    const scheme = i < 0 ? "tcp" : url.slice(0, i).toLowerCase();
    if (scheme === "ws" || scheme === "wss")
        return { url, scheme, host: "", port: 0 };
    if (scheme !== "tcp")
        throw new Error(`gamesrv: unsupported scheme "${scheme}" in ${url} (ws, wss or tcp)`);
    const hostport = i < 0 ? url : url.slice(i + 3).replace(/\/+$/, "");
    const c = hostport.lastIndexOf(":");
    const host = hostport.slice(0, Math.max(c, 0)).replace(/^\[(.*)\]$/, "$1");
    const port = Number(hostport.slice(c + 1));
    if (c < 0 || host === "" || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`gamesrv: ${url} is not tcp://host:port`);
    }
    return { url, scheme, host, port };
}
const Phase = { Dialing: 0, Handshake: 1, Working: 2, Ended: 3 };
const HEARTBEAT = encodePacket(PacketType.Heartbeat);
const HANDSHAKE_ACK = encodePacket(PacketType.HandshakeAck);
/** The liveness margin past two heartbeat intervals, as in the Go client. */
const LIVENESS_MARGIN_MS = 1000;
/** Monotonic milliseconds. */
const now = typeof globalThis.performance?.now === "function" ? () => globalThis.performance.now() : () => Date.now();
/** A connection that completed its handshake. */
export class Connection {
    constructor(opts, events) {
        /** The heartbeat interval H the server announced, in milliseconds. */
        this.heartbeatMs = 0;
        /** The server's serializer. */
        this.serializer = "protobuf";
        /** The server's route dictionary: route → code. */
        this.dict = new Map();
        this.phase = Phase.Dialing;
        this.routes = new Map(); // code → route, for pushes
        this.lastRecv = now();
        this.queue = []; // packets waiting behind an inflate
        this.busy = false; // an inflate is under way
        this.opts = opts;
        this.events = events;
    }
    /**
     * Dials target and performs the handshake, within opts.connectTimeoutMs
     * and until signal aborts. events.onReady runs before the promise
     * resolves.
     */
    static async open(target, opts, events, signal) {
        const ctl = new AbortController();
        const onAbort = () => ctl.abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        if (signal.aborted)
            ctl.abort(signal.reason);
        const ms = opts.connectTimeoutMs;
        const timer = Number.isFinite(ms)
            ? setTimeout(() => ctl.abort(new TimeoutError(`gamesrv: connecting to ${target.url} took more than ${ms} ms`)), ms)
            : undefined;
        const c = new Connection(opts, events);
        try {
            if (ctl.signal.aborted)
                throw ctl.signal.reason;
            c.transport = await dial(target, opts, c.handlers(), ctl.signal);
            await c.handshake(ctl.signal);
            return c;
        }
        catch (e) {
            c.close();
            throw e;
        }
        finally {
            clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
        }
    }
    /**
     * Sends one message, with its route compressed when the dictionary has it
     * (unless the options say not to). Throws when the connection is not
     * working or the message cannot be encoded.
     */
    send(h, payload) {
        if (this.phase !== Phase.Working)
            throw new ClosedError("gamesrv: connection is closed");
        if (h.route !== undefined && !this.opts.disableRouteCompression) {
            const code = this.dict.get(h.route);
            if (code !== undefined)
                h = { ...h, code, compressed: true };
        }
        this.transport.send(encodeDataPacket(h, payload));
    }
    /** Closes the connection; no event follows. */
    close() {
        this.stop();
    }
    handlers() {
        return {
            onPacket: (p) => this.receive(p),
            onClose: (err) => this.end({ kind: "error", error: err }),
        };
    }
    /** Sends the handshake and waits for the answer; sends the ack. */
    handshake(signal) {
        return new Promise((resolve, reject) => {
            const onAbort = () => this.handshakeDone?.(signal.reason);
            this.handshakeDone = (err) => {
                this.handshakeDone = undefined;
                signal.removeEventListener("abort", onAbort);
                if (err)
                    reject(err);
                else
                    resolve();
            };
            signal.addEventListener("abort", onAbort, { once: true });
            this.phase = Phase.Handshake;
            this.transport.send(encodePacket(PacketType.Handshake, encodeHandshakeRequest({ sys: this.opts.sys, user: this.opts.user })));
        });
    }
    /** Handles the packet that answers the handshake. */
    onHandshakePacket(p) {
        if (p.type === PacketType.Kick) {
            const reason = decodeKick(p.body);
            throw new ClosedError(`gamesrv: kicked during the handshake${reason ? ": " + reason : ""}`, { kind: "kicked", reason });
        }
        if (p.type !== PacketType.Handshake) {
            throw new ProtocolError(`expected a handshake response, got a packet of type ${p.type}`);
        }
        const resp = decodeHandshakeResponse(p.body);
        if (resp.code !== HandshakeCode.OK || resp.sys === undefined)
            throw new HandshakeError(resp.code);
        this.heartbeatMs = resp.sys.heartbeat * 1000;
        this.serializer = resp.sys.serializer;
        this.dict = new Map(Object.entries(resp.sys.dict));
        for (const [route, code] of this.dict)
            this.routes.set(code, route);
        this.transport.send(HANDSHAKE_ACK);
        this.phase = Phase.Working;
        this.startTimers();
        this.events.onReady(this);
        this.handshakeDone?.();
    }
    startTimers() {
        this.heartbeatTimer = setInterval(() => {
            try {
                this.transport?.send(HEARTBEAT);
            }
            catch {
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
    armLiveness() {
        const limit = 2 * this.heartbeatMs + LIVENESS_MARGIN_MS;
        const wait = this.lastRecv + limit - now();
        if (wait <= 0) {
            this.end({ kind: "timeout" });
            return;
        }
        this.livenessTimer = setTimeout(() => this.armLiveness(), wait);
    }
    /** Takes a packet from the transport. Throwing closes the transport. */
    receive(p) {
        this.lastRecv = now();
        switch (this.phase) {
            case Phase.Handshake:
                try {
                    this.onHandshakePacket(p);
                }
                catch (e) {
                    this.handshakeDone?.(e);
                }
                return;
            case Phase.Working:
                if (this.busy)
                    this.queue.push(p);
                else
                    this.process(p);
                return;
            default:
                return;
        }
    }
    /** Acts on one packet, in arrival order. */
    process(p) {
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
    onData(body) {
        const m = decodeMessage(body);
        if (m.type !== MessageType.Response && m.type !== MessageType.Push) {
            throw new ProtocolError(`the server sent a message of type ${m.type}`);
        }
        let route = m.route;
        if (m.type === MessageType.Push && m.compressed) {
            const r = this.routes.get(m.code);
            if (r === undefined)
                throw new ProtocolError(`push with unknown route code ${m.code}`);
            route = r;
        }
        if (!m.zlib) {
            this.deliver(m.type, m.id, route, m.payload, m.error);
            return;
        }
        this.busy = true;
        const inflate = this.opts.inflate ?? inflateZlib;
        inflate(m.payload, this.opts.maxBodySize).then((payload) => {
            if (this.phase !== Phase.Working)
                return;
            this.busy = false;
            this.deliver(m.type, m.id, route, payload, m.error);
            this.drain();
        }, (err) => this.end({ kind: "error", error: err instanceof Error ? err : new Error(String(err)) }));
    }
    deliver(type, id, route, payload, error) {
        if (type === MessageType.Response)
            this.events.onResponse(id, payload, error);
        else
            this.events.onPush(route, payload);
    }
    /** Processes the packets that waited behind an inflate. */
    drain() {
        while (!this.busy && this.phase === Phase.Working && this.queue.length > 0) {
            try {
                this.process(this.queue.shift());
            }
            catch (e) {
                this.end({ kind: "error", error: e });
            }
        }
    }
    /** Ends the connection on its own, reporting reason once. */
    end(reason) {
        const wasWorking = this.phase === Phase.Working;
        const handshaking = this.handshakeDone;
        if (this.phase === Phase.Ended)
            return;
        this.stop();
        if (wasWorking)
            this.events.onEnd(this, reason);
        else
            handshaking?.(reason.kind === "error" ? reason.error : new ClosedError(`gamesrv: connection ended during the handshake`, reason));
    }
    stop() {
        this.phase = Phase.Ended;
        clearInterval(this.heartbeatTimer);
        clearTimeout(this.livenessTimer);
        this.queue = [];
        this.transport?.close();
    }
}
/** Opens the transport of target. */
function dial(target, opts, handlers, signal) {
    if (target.scheme === "tcp")
        return openTCP(target.host, target.port, opts.maxBodySize, handlers, signal);
    const WS = opts.WebSocket;
    if (WS === undefined) {
        return Promise.reject(new Error("gamesrv: no WebSocket global here; pass ConnectOptions.WebSocket (in Node: the ws package's WebSocket)"));
    }
    return openWebSocket(WS, target.url, opts.maxBodySize, handlers, signal);
}
