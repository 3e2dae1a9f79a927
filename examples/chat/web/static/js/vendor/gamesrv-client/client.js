// The client: requests, notifies, pushes, close and reconnect over a
// Connection.
import { Connection, parseTarget } from "./connection.js";
import { ClosedError, decodeErrorPayload, describeCloseReason, HandshakeError, TimeoutError, } from "./errors.js";
import { MAX_MESSAGE_ID, MessageType } from "./message.js";
import { resolveOptions } from "./options.js";
import { serializerFor } from "./serializer.js";
/**
 * Connects to a gamesrv (or any Pomelo/Pitaya) server and resolves once the
 * handshake is done: `ws://host:port/path` and `wss://` everywhere (the
 * WebSocket global, or options.WebSocket), `tcp://host:port` in Node.
 * Pushes that arrive before the first push handler is registered are held
 * for it (up to options.pushQueue).
 */
export async function connect(url, options = {}) {
    const c = new Client(url, options);
    await c.connect();
    return c;
}
/**
 * A connection to a gamesrv server. Requests are matched to their responses
 * by ID; pushes are delivered in arrival order, synchronously, to the
 * handlers registered for their route. Generated `XxxClient` classes and
 * `registerXxxPushHandler` functions take one.
 */
export class Client {
    /**
     * Returns a client for url that is not connected yet: register push
     * handlers, then call {@link connect}. Throws on an unsupported URL.
     */
    constructor(url, options = {}) {
        this.st = "new";
        this.nextID = 0;
        this.pending = new Map();
        this.pushHandlers = new Map();
        this.rawHandlers = new Set();
        this.armed = false; // a push handler was registered: pushes flow
        this.held = [];
        this.closeListeners = new Set();
        this.kickListeners = new Set();
        this.disconnectListeners = new Set();
        this.reconnectListeners = new Set();
        this.url = url;
        this.target = parseTarget(url);
        this.opts = resolveOptions(options);
        this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
        if (this.opts.onRawPush) {
            this.rawHandlers.add(this.opts.onRawPush);
            this.armed = true;
        }
        this.events = {
            onReady: (c) => this.ready(c),
            onResponse: (id, payload, error) => this.onResponse(id, payload, error),
            onPush: (route, payload) => this.onPushMessage(route, payload),
            onEnd: (c, reason) => this.lost(c, reason),
        };
    }
    /** Where the client is in its life. */
    get state() {
        return this.st;
    }
    /** The serializer the server announced; undefined before the first handshake. */
    get serializer() {
        return this.ser?.name;
    }
    /** The heartbeat interval the server announced, in milliseconds; 0 before the first handshake. */
    get heartbeatMs() {
        return this.conn?.heartbeatMs ?? 0;
    }
    /** The server's route dictionary (route → code) of the current connection. */
    get dict() {
        return this.conn?.dict ?? new Map();
    }
    /**
     * Dials the server and performs the handshake, within
     * options.connectTimeoutMs. A client connects once: a second call, or a
     * call after close(), rejects. When it fails the client is closed.
     */
    async connect() {
        if (this.st !== "new")
            throw new Error(`gamesrv: connect on a client that is ${this.st}`);
        this.st = "connecting";
        const ctl = new AbortController();
        this.opening = ctl;
        const outer = this.opts.signal;
        const onAbort = () => ctl.abort(outer.reason);
        outer?.addEventListener("abort", onAbort, { once: true });
        if (outer?.aborted)
            ctl.abort(outer.reason);
        try {
            await Connection.open(this.target, this.opts, this.events, ctl.signal);
        }
        catch (e) {
            this.finish(reasonOf(e));
            throw e;
        }
        finally {
            outer?.removeEventListener("abort", onAbort);
            if (this.opening === ctl)
                this.opening = undefined;
        }
    }
    /**
     * Sends req on route and resolves with the response decoded as output. An
     * error response rejects with a {@link GamesrvError}; see also
     * {@link TimeoutError}, {@link ClosedError} and the signal's reason.
     */
    async request(route, input, req, output, options) {
        const ser = this.serializerOrThrow();
        const payload = ser.encode(input, req);
        const out = await this.requestRaw(route, payload, options);
        try {
            return ser.decode(output, out);
        }
        catch (e) {
            throw new Error(`gamesrv: ${route} response does not decode as ${output.typeName}: ${e.message}`);
        }
    }
    /**
     * Sends an already serialized request and resolves with the raw response
     * payload (inflated if it was compressed).
     */
    requestRaw(route, payload, options = {}) {
        return new Promise((resolve, reject) => {
            const { signal } = options;
            if (signal?.aborted)
                return reject(signal.reason);
            const conn = this.conn;
            if (conn === undefined)
                return reject(this.notConnected());
            const id = this.allocID();
            const ms = options.timeoutMs !== undefined && options.timeoutMs > 0 ? options.timeoutMs : this.opts.requestTimeoutMs;
            const cleanup = () => {
                this.pending.delete(id);
                clearTimeout(timer);
                signal?.removeEventListener("abort", onAbort);
            };
            const onAbort = () => {
                cleanup();
                reject(signal.reason);
            };
            const timer = Number.isFinite(ms)
                ? setTimeout(() => {
                    cleanup();
                    reject(new TimeoutError(`gamesrv: ${route} got no response within ${ms} ms`));
                }, ms)
                : undefined;
            signal?.addEventListener("abort", onAbort, { once: true });
            this.pending.set(id, {
                resolve: (out, error) => {
                    cleanup();
                    if (!error)
                        return resolve(out);
                    try {
                        reject(decodeErrorPayload(this.ser?.name ?? "protobuf", out));
                    }
                    catch (e) {
                        reject(new Error(`gamesrv: ${route}: undecodable error response: ${e.message}`));
                    }
                },
                reject: (err) => {
                    cleanup();
                    reject(err);
                },
            });
            try {
                conn.send({ type: MessageType.Request, id, route }, payload);
            }
            catch (e) {
                cleanup();
                reject(e);
            }
        });
    }
    /** Sends req on route as a notify; resolves once it is sent (no answer comes). */
    async notify(route, input, req, options) {
        if (options?.signal?.aborted)
            throw options?.signal?.reason;
        const ser = this.serializerOrThrow();
        this.notifyRaw(route, ser.encode(input, req));
    }
    /** Sends an already serialized notify; throws when not connected. */
    notifyRaw(route, payload) {
        const conn = this.conn;
        if (conn === undefined)
            throw this.notConnected();
        conn.send({ type: MessageType.Notify, route }, payload);
    }
    /**
     * Registers handler for the pushes of route, decoded as schema; several
     * handlers of one route run in registration order. Handlers stay
     * registered across reconnects. Pushes that arrived before the first
     * handler (of any route) was registered are delivered in a microtask, so
     * that every handler registered in the same synchronous run (e.g. by a
     * generated registerXxxPushHandler) receives its own. A handler that throws
     * is logged. Returns a function that unregisters it.
     */
    onPush(route, schema, handler) {
        let set = this.pushHandlers.get(route);
        if (set === undefined)
            this.pushHandlers.set(route, (set = new Set()));
        const entry = { schema, handler: handler };
        set.add(entry);
        this.arm();
        return () => {
            set.delete(entry);
            if (set.size === 0 && this.pushHandlers.get(route) === set)
                this.pushHandlers.delete(route);
        };
    }
    /**
     * Registers a handler of the pushes whose route has no {@link onPush}
     * handler, with their raw (serialized) payload. Returns a function that
     * unregisters it.
     */
    onRawPush(handler) {
        this.rawHandlers.add(handler);
        this.arm();
        return () => void this.rawHandlers.delete(handler);
    }
    /** Calls handler once when the client has ended for good (see {@link closed}). Returns an unregister function. */
    onClose(handler) {
        if (this.st === "closed") {
            const r = this.lastReason;
            queueMicrotask(() => handler(r));
            return () => { };
        }
        return listen(this.closeListeners, handler);
    }
    /** Calls handler with the reason ("" when none) each time the server kicks the client. */
    onKick(handler) {
        return listen(this.kickListeners, handler);
    }
    /**
     * Calls handler each time a connection is lost (not on close()), with why
     * and whether the client is reconnecting. Pending requests have failed
     * with a {@link ClosedError} by then.
     */
    onDisconnect(handler) {
        return listen(this.disconnectListeners, handler);
    }
    /**
     * Calls handler after each successful reconnect (a new handshake): log in
     * again there, the server does not remember the old session. Push
     * handlers are still registered.
     */
    onReconnect(handler) {
        return listen(this.reconnectListeners, handler);
    }
    /**
     * Closes the client for good: the connection (or the connect or
     * reconnect under way) ends, pending requests reject with a
     * {@link ClosedError}, {@link closed} resolves with `{kind: "closed"}`.
     * Calling it again does nothing.
     */
    close() {
        if (this.st === "closed")
            return;
        const reason = { kind: "closed" };
        this.opening?.abort(new ClosedError("gamesrv: client closed", reason));
        const conn = this.conn;
        this.conn = undefined;
        conn?.close();
        this.finish(reason);
    }
    /** A connection completed its handshake. */
    ready(c) {
        this.conn = c;
        this.ser = serializerFor(c.serializer, this.opts.registry);
        this.st = "open";
    }
    serializerOrThrow() {
        if (this.conn === undefined || this.ser === undefined)
            throw this.notConnected();
        return this.ser;
    }
    /** The error of a call made without a connection. */
    notConnected() {
        const r = this.lastReason;
        switch (this.st) {
            case "reconnecting":
                return new ClosedError(`gamesrv: not connected, reconnecting after: ${describeCloseReason(r)}`, r, true);
            case "closed":
                return new ClosedError(`gamesrv: client closed: ${describeCloseReason(r)}`, r);
        }
        // Between a lost connection and the end of its listeners.
        if (r !== undefined)
            return new ClosedError(`gamesrv: connection lost: ${describeCloseReason(r)}`, r);
        return new ClosedError("gamesrv: not connected");
    }
    allocID() {
        do {
            this.nextID = this.nextID >= MAX_MESSAGE_ID ? 1 : this.nextID + 1;
        } while (this.pending.has(this.nextID));
        return this.nextID;
    }
    onResponse(id, payload, error) {
        this.pending.get(id)?.resolve(payload, error);
    }
    onPushMessage(route, payload) {
        if (this.armed && this.held.length === 0) {
            this.dispatch(route, payload);
            return;
        }
        this.held.push({ route, payload });
        if (!this.armed && this.held.length > this.opts.pushQueue) {
            const old = this.held.shift();
            this.opts.logger.warn(`gamesrv: push ${old.route} dropped: no push handler registered and ${this.opts.pushQueue} pushes held`);
        }
    }
    /** Starts the delivery of pushes: a handler is registered. */
    arm() {
        if (this.armed)
            return;
        this.armed = true;
        if (this.held.length > 0)
            queueMicrotask(() => this.flushHeld());
    }
    flushHeld() {
        while (this.held.length > 0) {
            const p = this.held.shift();
            this.dispatch(p.route, p.payload);
        }
    }
    /** Runs the handlers of a push. */
    dispatch(route, payload) {
        const set = this.pushHandlers.get(route);
        if (set === undefined || set.size === 0) {
            if (this.rawHandlers.size === 0)
                this.opts.logger.debug(`gamesrv: push ${route} without a handler`);
            for (const h of [...this.rawHandlers])
                this.guard(`raw push handler (${route})`, () => h(route, payload));
            return;
        }
        for (const e of [...set]) {
            let msg;
            try {
                msg = this.ser.decode(e.schema, payload);
            }
            catch (err) {
                this.opts.logger.warn(`gamesrv: push ${route} does not decode as ${e.schema.typeName}: ${err.message}`);
                continue;
            }
            this.guard(`push handler (${route})`, () => e.handler(msg));
        }
    }
    /** Runs f, logging what it throws. */
    guard(what, f) {
        try {
            f();
        }
        catch (e) {
            this.opts.logger.error(`gamesrv: ${what} threw`, e);
        }
    }
    /** The connection c ended on its own. */
    lost(c, reason) {
        if (c !== this.conn)
            return;
        this.conn = undefined;
        this.lastReason = reason;
        const r = this.opts.reconnect;
        let retry = false;
        if (r !== undefined) {
            try {
                retry = r.shouldReconnect(reason);
            }
            catch (e) {
                this.opts.logger.error("gamesrv: shouldReconnect threw", e);
            }
        }
        const err = new ClosedError(`gamesrv: connection lost: ${describeCloseReason(reason)}${retry ? " (reconnecting)" : ""}`, reason, retry);
        this.failPending(err);
        if (retry)
            this.st = "reconnecting";
        if (reason.kind === "kicked")
            this.emit(this.kickListeners, "kick", (h) => h(reason.reason));
        this.emit(this.disconnectListeners, "disconnect", (h) => h(reason, retry));
        if (this.st === "closed")
            return; // a listener closed the client
        if (retry)
            void this.reconnectLoop(reason);
        else
            this.finish(reason);
    }
    /** Reconnects with backoff until it succeeds, gives up or the client is closed. */
    async reconnectLoop(cause) {
        const r = this.opts.reconnect;
        let last;
        for (let attempt = 1; attempt <= r.maxAttempts; attempt++) {
            const ctl = new AbortController();
            this.opening = ctl;
            try {
                await sleep(backoff(r, attempt), ctl.signal);
                const c = await Connection.open(this.target, this.opts, this.events, ctl.signal);
                if (this.conn !== c)
                    return; // lost again already: that loss runs its own loop
                this.opening = undefined;
                this.emit(this.reconnectListeners, "reconnect", (h) => h({ attempt, reason: cause }));
                return;
            }
            catch (e) {
                if (this.st !== "reconnecting")
                    return; // closed meanwhile
                last = e;
                this.opts.logger.warn(`gamesrv: reconnect attempt ${attempt} to ${this.url} failed: ${e.message}`);
                if (e instanceof HandshakeError)
                    break; // refused: retrying will not change it
            }
        }
        this.opening = undefined;
        const msg = last instanceof Error ? last.message : String(last);
        this.finish({ kind: "error", error: new Error(`gamesrv: reconnecting to ${this.url} failed: ${msg}`) });
    }
    /** Ends the client for good. */
    finish(reason) {
        if (this.st === "closed")
            return;
        this.st = "closed";
        this.lastReason = reason;
        this.held = [];
        this.failPending(new ClosedError(`gamesrv: client closed: ${describeCloseReason(reason)}`, reason));
        this.resolveClosed(reason);
        this.emit(this.closeListeners, "close", (h) => h(reason));
        this.closeListeners.clear();
    }
    failPending(err) {
        const all = [...this.pending.values()];
        this.pending.clear();
        for (const p of all)
            p.reject(err);
    }
    emit(set, what, call) {
        for (const h of [...set])
            this.guard(`${what} handler`, () => call(h));
    }
}
function listen(set, h) {
    set.add(h);
    return () => void set.delete(h);
}
/** The close reason of a failed connect. */
function reasonOf(e) {
    if (e instanceof ClosedError && e.reason !== undefined)
        return e.reason;
    return { kind: "error", error: e instanceof Error ? e : new Error(String(e)) };
}
/** The delay before reconnect attempt n (from 1). */
function backoff(r, n) {
    const d = Math.min(r.maxDelayMs, r.initialDelayMs * r.multiplier ** (n - 1));
    return d * (1 - r.jitter + 2 * r.jitter * Math.random());
}
/** Resolves after ms, or rejects with the signal's reason. */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal.aborted)
            return reject(signal.reason);
        const onAbort = () => {
            clearTimeout(t);
            reject(signal.reason);
        };
        const t = setTimeout(() => {
            signal.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal.addEventListener("abort", onAbort, { once: true });
    });
}
