// Transports carry whole packets: WebSocket (one packet per binary message)
// everywhere, TCP (a byte stream split into packets) in Node.
import { decodePacket, ProtocolError } from "./packet.js";
const OPEN = 1;
/**
 * Opens a WebSocket to url and resolves once it is open. signal aborts the
 * attempt. Binary messages must hold exactly one packet each (a length
 * mismatch or a body over maxBody closes); text messages are ignored.
 */
export function openWebSocket(WS, url, maxBody, handlers, signal) {
    return new Promise((resolve, reject) => {
        let ws;
        try {
            ws = new WS(url);
            ws.binaryType = "arraybuffer";
        }
        catch (e) {
            reject(e);
            return;
        }
        let open = false;
        let done = false;
        const detach = () => {
            done = true;
            signal.removeEventListener("abort", onAbort);
            ws.onopen = ws.onmessage = ws.onclose = null;
            // Not null: the ws package emits an error when a socket closed while
            // connecting, and an error event without a listener throws.
            ws.onerror = ignore;
        };
        const end = (err) => {
            if (done)
                return;
            detach();
            try {
                ws.close();
            }
            catch {
                // already closed
            }
            if (open)
                handlers.onClose(err);
            else
                reject(err);
        };
        const onAbort = () => end(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
        signal.addEventListener("abort", onAbort, { once: true });
        ws.onopen = () => {
            open = true;
            signal.removeEventListener("abort", onAbort);
            resolve({
                send(packet) {
                    if (done || ws.readyState !== OPEN)
                        throw new Error("gamesrv: WebSocket is not open");
                    ws.send(packet);
                },
                close() {
                    if (done)
                        return;
                    detach();
                    ws.close(1000);
                },
            });
        };
        ws.onmessage = (ev) => {
            if (done)
                return;
            const data = ev.data;
            if (typeof data === "string")
                return;
            let bytes;
            if (data instanceof ArrayBuffer)
                bytes = new Uint8Array(data);
            else if (ArrayBuffer.isView(data))
                bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
            else
                return end(new ProtocolError("WebSocket message is neither text nor binary"));
            try {
                handlers.onPacket(decodePacket(bytes, maxBody));
            }
            catch (e) {
                end(e);
            }
        };
        ws.onerror = (ev) => {
            // Browsers give no detail; the ws package gives an error.
            const detail = ev?.error instanceof Error ? ": " + ev.error.message : typeof ev?.message === "string" ? ": " + ev.message : "";
            end(new Error(`gamesrv: WebSocket error on ${url}${detail}`));
        };
        ws.onclose = (ev) => {
            const why = ev?.reason ? `, ${ev.reason}` : "";
            end(new Error(`gamesrv: WebSocket ${url} closed (code ${ev?.code ?? "?"}${why})`));
        };
    });
}
function ignore() { }
