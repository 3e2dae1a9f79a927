// A fake gamesrv server on loopback (TCP, or WebSocket through the ws
// package) that a test scripts packet by packet, for what the real server
// cannot be made to do on demand: fall silent, send malformed or compressed
// data, answer out of order, never answer.

import * as net from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import {
  decodeMessage,
  decodePacket,
  encodeDataPacket,
  encodeKick,
  encodePacket,
  PacketReader,
  PacketType,
  type Message,
  type MessageHeader,
  type Packet,
} from "../src/index.js";
import { Queue } from "./helpers.js";

/** The transports the fake serves. */
export type Kind = "tcp" | "ws";

/** How the fake answers handshakes. */
export interface FakeOptions {
  /** Heartbeat in seconds announced. Default 30. */
  heartbeat?: number;
  /** Dictionary announced. Default {}. */
  dict?: Record<string, number>;
  /** Serializer announced. Default "protobuf". */
  serializer?: string;
  /**
   * Replaces the default handshake answer: called with the connection and
   * the parsed handshake request.
   */
  handshake?: (c: FakeConn, request: unknown) => void;
}

/** One client connection to the fake. */
export class FakeConn {
  /** Packets received after the handshake ack, heartbeats included. */
  readonly received = new Queue<Packet>();
  /** Resolves when the client's connection is gone. */
  readonly ended: Promise<void>;
  /** Heartbeats received. */
  heartbeats = 0;
  private endNow!: () => void;

  constructor(
    private readonly sendRaw: (b: Uint8Array) => void,
    private readonly destroyRaw: () => void,
  ) {
    this.ended = new Promise((r) => (this.endNow = r));
  }

  /** Sends raw bytes (one packet on WebSocket). */
  write(b: Uint8Array): void {
    this.sendRaw(b);
  }

  /** Sends a Data packet. */
  data(h: MessageHeader, payload: Uint8Array = new Uint8Array(0)): void {
    this.write(encodeDataPacket(h, payload));
  }

  /** Sends a Kick packet with reason ("" for an empty body). */
  kick(reason = ""): void {
    this.write(encodePacket(PacketType.Kick, encodeKick(reason)));
  }

  /** Closes the connection. */
  destroy(): void {
    this.destroyRaw();
  }

  /** Resolves with the next Data message, skipping heartbeats. */
  async nextMessage(what = "a message from the client"): Promise<Message> {
    for (;;) {
      const p = await this.received.next(what);
      if (p.type === PacketType.Data) return decodeMessage(p.body);
    }
  }

  /** @internal */
  ended_(): void {
    this.endNow();
  }
}

/** A fake server on 127.0.0.1, port 0. */
export class FakeServer {
  /** Connections that completed the handshake (sent their ack), in order. */
  readonly conns = new Queue<FakeConn>();
  /** Parsed handshake requests, in order. */
  readonly handshakes = new Queue<unknown>();

  private constructor(
    readonly url: string,
    private readonly closeAll: () => Promise<void>,
  ) {}

  /** Starts a fake of kind. */
  static async start(kind: Kind, opts: FakeOptions = {}): Promise<FakeServer> {
    const setup = (send: (b: Uint8Array) => void, destroy: () => void): ((p: Packet) => void) & { conn: FakeConn } => {
      const conn = new FakeConn(send, destroy);
      let acked = false;
      const onPacket = (p: Packet): void => {
        if (acked) {
          if (p.type === PacketType.Heartbeat) conn.heartbeats++;
          conn.received.put(p);
          return;
        }
        if (p.type === PacketType.Handshake) {
          const req: unknown = JSON.parse(Buffer.from(p.body).toString());
          server.handshakes.put(req);
          if (opts.handshake) opts.handshake(conn, req);
          else conn.write(okHandshake(opts));
        } else if (p.type === PacketType.HandshakeAck) {
          acked = true;
          server.conns.put(conn);
        }
      };
      return Object.assign(onPacket, { conn });
    };
    let server: FakeServer;
    if (kind === "tcp") {
      const sockets = new Set<net.Socket>();
      const srv = net.createServer((sock) => {
        sockets.add(sock);
        sock.setNoDelay(true);
        const on = setup(
          (b) => void sock.write(b),
          () => sock.destroy(),
        );
        const reader = new PacketReader();
        sock.on("data", (chunk) => {
          for (const p of reader.push(chunk)) on(p);
        });
        sock.on("error", () => {});
        sock.on("close", () => {
          sockets.delete(sock);
          on.conn.ended_();
        });
      });
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const port = (srv.address() as net.AddressInfo).port;
      server = new FakeServer(`tcp://127.0.0.1:${port}`, async () => {
        for (const s of sockets) s.destroy();
        await new Promise((r) => srv.close(r));
      });
      return server;
    }
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((r) => wss.once("listening", r));
    wss.on("connection", (ws: WebSocket) => {
      const on = setup(
        (b) => ws.send(b),
        () => ws.terminate(),
      );
      ws.on("message", (data: Buffer, isBinary: boolean) => {
        if (isBinary) on(decodePacket(new Uint8Array(data)));
      });
      ws.on("error", () => {});
      ws.on("close", () => on.conn.ended_());
    });
    const port = (wss.address() as net.AddressInfo).port;
    server = new FakeServer(`ws://127.0.0.1:${port}/`, async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    });
    return server;
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    return this.closeAll();
  }
}

/** The default code-200 handshake answer of opts. */
export function okHandshake(opts: FakeOptions): Uint8Array {
  const body = JSON.stringify({
    code: 200,
    sys: { dict: opts.dict ?? {}, heartbeat: opts.heartbeat ?? 30, serializer: opts.serializer ?? "protobuf" },
  });
  return encodePacket(PacketType.Handshake, new TextEncoder().encode(body));
}
