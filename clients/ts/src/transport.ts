// Transports carry whole packets: WebSocket (one packet per binary message)
// everywhere, TCP (a byte stream split into packets) in Node.

import { decodePacket, ProtocolError, type Packet } from "./packet.js";

/** What a transport tells its owner. Neither is called after close(). */
export interface TransportHandlers {
  /** A whole packet arrived. A throw closes the transport with that error. */
  onPacket(p: Packet): void;
  /** The transport ended on its own: the peer closed it or an error occurred. */
  onClose(err: Error): void;
}

/** An open connection that sends and receives packets. */
export interface Transport {
  /** Sends one whole packet; throws when the transport is not open. */
  send(packet: Uint8Array): void;
  /** Closes the transport; no handler is called after it. */
  close(): void;
}

/**
 * The part of the WebSocket API the client uses: the browser's, Cocos
 * Creator's and Laya's `WebSocket` global and the Node `ws` package's class
 * all have it.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: any) => unknown) | null;
  onmessage: ((ev: any) => unknown) | null;
  onclose: ((ev: any) => unknown) | null;
  onerror: ((ev: any) => unknown) | null;
  send(data: any): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `WebSocket` in browsers, `(await import("ws")).WebSocket` in Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

/**
 * Opens a WebSocket to url and resolves once it is open. signal aborts the
 * attempt. Binary messages must hold exactly one packet each (a length
 * mismatch or a body over maxBody closes); text messages are ignored.
 */
export function openWebSocket(
  WS: WebSocketConstructor,
  url: string,
  maxBody: number,
  handlers: TransportHandlers,
  signal: AbortSignal,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new WS(url);
      ws.binaryType = "arraybuffer";
    } catch (e) {
      reject(e);
      return;
    }
    let open = false;
    let done = false;
    const detach = (): void => {
      done = true;
      signal.removeEventListener("abort", onAbort);
      ws.onopen = ws.onmessage = ws.onclose = null;
      // Not null: the ws package emits an error when a socket closed while
      // connecting, and an error event without a listener throws.
      ws.onerror = ignore;
    };
    const end = (err: Error): void => {
      if (done) return;
      detach();
      try {
        ws.close();
      } catch {
        // already closed
      }
      if (open) handlers.onClose(err);
      else reject(err);
    };
    const onAbort = (): void => end(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    signal.addEventListener("abort", onAbort, { once: true });
    ws.onopen = () => {
      open = true;
      signal.removeEventListener("abort", onAbort);
      resolve({
        send(packet) {
          if (done || ws.readyState !== OPEN) throw new Error("gamesrv: WebSocket is not open");
          ws.send(packet);
        },
        close() {
          if (done) return;
          detach();
          ws.close(1000);
        },
      });
    };
    ws.onmessage = (ev: { data: unknown }) => {
      if (done) return;
      const data = ev.data;
      if (typeof data === "string") return;
      let bytes: Uint8Array;
      if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
      else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      else return end(new ProtocolError("WebSocket message is neither text nor binary"));
      try {
        handlers.onPacket(decodePacket(bytes, maxBody));
      } catch (e) {
        end(e as Error);
      }
    };
    ws.onerror = (ev: { message?: unknown; error?: unknown }) => {
      // Browsers give no detail; the ws package gives an error.
      const detail = ev?.error instanceof Error ? ": " + ev.error.message : typeof ev?.message === "string" ? ": " + ev.message : "";
      end(new Error(`gamesrv: WebSocket error on ${url}${detail}`));
    };
    ws.onclose = (ev: { code?: number; reason?: string }) => {
      const why = ev?.reason ? `, ${ev.reason}` : "";
      end(new Error(`gamesrv: WebSocket ${url} closed (code ${ev?.code ?? "?"}${why})`));
    };
  });
}

function ignore(): void {}
