// Options of a client. A field left out (or 0) takes the default written on it.
/** The version of @gamesrv/client, sent as sys.libVersion by default. */
export const VERSION = "0.1.0";
const MAX_BODY = 0xffffff;
/** Returns o with the defaults applied. */
export function resolveOptions(o) {
    return {
        user: o.user ?? {},
        sys: o.sys ?? { platform: "js", libVersion: VERSION },
        WebSocket: o.WebSocket ?? globalThis.WebSocket,
        requestTimeoutMs: positive(o.requestTimeoutMs, 10000),
        connectTimeoutMs: positive(o.connectTimeoutMs, 10000),
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
function resolveReconnect(r) {
    if (r === undefined || r === false)
        return undefined;
    const o = r === true ? {} : r;
    return {
        maxAttempts: positive(o.maxAttempts, 10),
        initialDelayMs: positive(o.initialDelayMs, 500),
        maxDelayMs: positive(o.maxDelayMs, 30000),
        multiplier: o.multiplier !== undefined && o.multiplier >= 1 ? o.multiplier : 2,
        jitter: o.jitter === undefined ? 0.2 : Math.min(Math.max(o.jitter, 0), 1),
        shouldReconnect: o.shouldReconnect ?? defaultShouldReconnect,
    };
}
function defaultShouldReconnect(reason) {
    return reason.kind === "error" || reason.kind === "timeout" || (reason.kind === "kicked" && reason.reason === shutdownReason);
}
/** The reason a gamesrv server's Kick carries when it shuts down gracefully. */
const shutdownReason = "shutdown";
/** v when it is a positive number (Infinity included), else def. */
function positive(v, def) {
    return v !== undefined && v > 0 ? v : def;
}
const defaultLogger = {
    debug() { },
    info() { },
    warn: (message, ...args) => console.warn(message, ...args),
    error: (message, ...args) => console.error(message, ...args),
};
