// tcp:// in Node, through node:net, imported lazily so that browsers and
// bundlers never load it.
import { PacketReader } from "./packet.js";
// A variable, not a literal: bundlers (webpack, Vite, Cocos) then leave the
// import alone instead of failing to resolve node:net for a browser build.
const netModule = "node:net";
/**
 * Opens a TCP connection to host:port and resolves once it is connected.
 * Packets are split from the byte stream; a declared body over maxBody
 * closes the connection before the body is buffered.
 */
export async function openTCP(host, port, maxBody, handlers, signal) {
    let net;
    try {
        net = (await import(/* @vite-ignore */ /* webpackIgnore: true */ netModule));
    }
    catch (e) {
        throw new Error(`gamesrv: tcp:// needs Node's node:net (use ws:// or wss:// here): ${e.message}`);
    }
    if (signal.aborted)
        throw signal.reason;
    return new Promise((resolve, reject) => {
        const sock = net.createConnection({ host, port });
        const reader = new PacketReader(maxBody);
        let open = false;
        let done = false;
        let failure;
        const end = (err) => {
            if (done)
                return;
            done = true;
            signal.removeEventListener("abort", onAbort);
            sock.removeAllListeners();
            sock.on("error", () => { }); // errors after the end are expected
            sock.destroy();
            if (open)
                handlers.onClose(err);
            else
                reject(err);
        };
        const onAbort = () => end(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
        signal.addEventListener("abort", onAbort, { once: true });
        sock.on("connect", () => {
            open = true;
            signal.removeEventListener("abort", onAbort);
            sock.setNoDelay(true);
            resolve({
                send(packet) {
                    if (done)
                        throw new Error("gamesrv: TCP connection is closed");
                    sock.write(packet);
                },
                close() {
                    if (done)
                        return;
                    done = true;
                    sock.removeAllListeners();
                    sock.on("error", () => { });
                    sock.destroy();
                },
            });
        });
        sock.on("data", (chunk) => {
            if (done)
                return;
            try {
                for (const p of reader.push(chunk)) {
                    handlers.onPacket(p);
                    if (done)
                        return;
                }
            }
            catch (e) {
                end(e);
            }
        });
        sock.on("error", (err) => {
            failure = new Error(`gamesrv: tcp://${host}:${port}: ${err.message}`);
        });
        sock.on("close", () => {
            end(failure ?? new Error(`gamesrv: tcp://${host}:${port}: connection closed by the server`));
        });
    });
}
