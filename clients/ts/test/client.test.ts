// The client against a scripted fake server, over TCP and WebSocket: what
// the real server cannot be made to do on demand (fall silent, break the
// protocol, answer out of order or never).

import { create, toBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import { WebSocket } from "ws";
import {
  Client,
  ClosedError,
  codeOf,
  connect,
  encodeErrorPayload,
  encodePacket,
  GamesrvError,
  HandshakeError,
  MessageType,
  PacketType,
  TimeoutError,
  type CloseReason,
  type ConnectOptions,
  type Logger,
} from "../src/index.js";
import { ChatMessageSchema, JoinRequestSchema, JoinResponseSchema, type ChatMessage } from "../../../examples/chat/web/src/gen/chat/v1/chat_pb.js";
import { FakeServer, okHandshake, type FakeConn, type FakeOptions, type Kind } from "./fakeserver.js";
import { deferred, hex, Queue, within } from "./helpers.js";

/** A logger that keeps what it is given. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (msg: string, ...args: unknown[]) =>
    void lines.push(`${level} ${msg}${args.length ? " " + args.map(String).join(" ") : ""}`);
  return { lines, debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error") };
}

const chat = (text: string): Uint8Array => toBinary(ChatMessageSchema, create(ChatMessageSchema, { from: "srv", text }));

for (const kind of ["tcp", "ws"] as Kind[]) {
  describe(`client against a fake server over ${kind}`, () => {
    const servers: FakeServer[] = [];
    const clients: Client[] = [];
    const fake = async (opts: FakeOptions = {}): Promise<FakeServer> => {
      const s = await FakeServer.start(kind, opts);
      servers.push(s);
      return s;
    };
    const dial = async (s: FakeServer, opts: ConnectOptions = {}): Promise<[Client, FakeConn]> => {
      const c = await connect(s.url, { WebSocket, ...opts });
      clients.push(c);
      return [c, await s.conns.next("the client's handshake ack")];
    };
    after(async () => {
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.close()));
    });

    it("handshakes with sys and user, and adopts the server's settings", async () => {
      const s = await fake({ heartbeat: 7, dict: { "chat.room.join": 3 }, serializer: "protobuf" });
      const [c] = await dial(s, { user: { token: "secret" } });
      assert.deepEqual(await s.handshakes.next("handshake"), { sys: { platform: "js", libVersion: "0.1.0" }, user: { token: "secret" } });
      assert.equal(c.state, "open");
      assert.equal(c.serializer, "protobuf");
      assert.equal(c.heartbeatMs, 7000);
      assert.deepEqual([...c.dict], [["chat.room.join", 3]]);
    });

    it("matches responses to requests by ID, in any order", async () => {
      const s = await fake({ dict: { "a.b": 7 } });
      const [c, conn] = await dial(s);
      const p1 = c.requestRaw("a.b", Uint8Array.of(1));
      const p2 = c.requestRaw("x.y", Uint8Array.of(2));
      const m1 = await conn.nextMessage();
      const m2 = await conn.nextMessage();
      assert.deepEqual([m1.type, m1.compressed, m1.code, [...m1.payload]], [MessageType.Request, true, 7, [1]]);
      assert.deepEqual([m2.type, m2.compressed, m2.route, [...m2.payload]], [MessageType.Request, false, "x.y", [2]]);
      assert.notEqual(m1.id, m2.id);
      conn.data({ type: MessageType.Response, id: m2.id }, Uint8Array.of(20));
      conn.data({ type: MessageType.Response, id: m1.id }, Uint8Array.of(10));
      assert.deepEqual([...(await p1)], [10]);
      assert.deepEqual([...(await p2)], [20]);
      conn.data({ type: MessageType.Response, id: 999 }); // nobody waits for it: ignored
      const p3 = c.requestRaw("a.b", new Uint8Array(0));
      const m3 = await conn.nextMessage();
      conn.data({ type: MessageType.Response, id: m3.id });
      assert.equal((await p3).length, 0);
    });

    it("sends route text when route compression is disabled, and notifies", async () => {
      const s = await fake({ dict: { "a.b": 7 } });
      const [c, conn] = await dial(s, { disableRouteCompression: true });
      await c.notify("a.b", JoinRequestSchema, { room: "r", name: "n" });
      const m = await conn.nextMessage();
      assert.deepEqual([m.type, m.compressed, m.route], [MessageType.Notify, false, "a.b"]);
      assert.equal(hex(m.payload), hex(toBinary(JoinRequestSchema, create(JoinRequestSchema, { room: "r", name: "n" }))));
    });

    it("rejects with a GamesrvError for an error response", async () => {
      const s = await fake();
      const [c, conn] = await dial(s);
      const p = c.request("a.b", JoinRequestSchema, {}, JoinResponseSchema);
      const m = await conn.nextMessage();
      const md = { field: "name" };
      conn.data({ type: MessageType.Response, id: m.id, error: true }, encodeErrorPayload("protobuf", { code: "APP-1", message: "bad", metadata: md }));
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof GamesrvError);
        assert.deepEqual([e.code, e.message, e.metadata, codeOf(e)], ["APP-1", "bad", md, "APP-1"]);
        return true;
      });
      const p2 = c.requestRaw("a.b", new Uint8Array(0));
      conn.data({ type: MessageType.Response, id: (await conn.nextMessage()).id, error: true }, Uint8Array.of(0x0a, 0x05));
      await assert.rejects(p2, /undecodable error response/);
      const p3 = c.request("a.b", JoinRequestSchema, {}, JoinResponseSchema);
      conn.data({ type: MessageType.Response, id: (await conn.nextMessage()).id }, Uint8Array.of(0xff));
      await assert.rejects(p3, /response does not decode as chat.v1.JoinResponse/);
      assert.equal(c.state, "open");
    });

    it("times out and aborts requests", async () => {
      const s = await fake();
      const [c, conn] = await dial(s, { requestTimeoutMs: 60_000 });
      await assert.rejects(c.requestRaw("a.b", new Uint8Array(0), { timeoutMs: 50 }), (e: unknown) => {
        assert.ok(e instanceof TimeoutError);
        assert.match(e.message, /a.b got no response within 50 ms/);
        return true;
      });
      const late = await conn.nextMessage();
      conn.data({ type: MessageType.Response, id: late.id }); // after its timeout: ignored

      const ctl = new AbortController();
      const p = c.requestRaw("a.b", new Uint8Array(0), { signal: ctl.signal });
      await conn.nextMessage();
      ctl.abort(new Error("user gave up"));
      await assert.rejects(p, /user gave up/);
      await assert.rejects(c.requestRaw("a.b", new Uint8Array(0), { signal: ctl.signal }), /user gave up/);
      await assert.rejects(c.notify("a.b", JoinRequestSchema, {}, { signal: ctl.signal }), /user gave up/);
      // Nothing was sent for the aborted calls: the next message is this one.
      const ok = c.requestRaw("c.d", new Uint8Array(0));
      const m = await conn.nextMessage();
      assert.equal(m.route, "c.d");
      conn.data({ type: MessageType.Response, id: m.id });
      await ok;
    });

    it("sends heartbeats and ends with a timeout when the server falls silent", async () => {
      const s = await fake({ heartbeat: 1 });
      const [c, conn] = await dial(s);
      const closed: CloseReason[] = [];
      c.onClose((r) => closed.push(r));
      const pending = c.requestRaw("a.b", new Uint8Array(0), { timeoutMs: 60_000 });
      for (;;) {
        const p = await conn.received.next("a heartbeat from the client", 5000);
        if (p.type === PacketType.Heartbeat) break;
      }
      // The fake never sends anything: after 2H + 1 s the client gives up.
      const reason = await within(c.closed, 10_000, "the client to detect the silent server");
      assert.deepEqual(reason, { kind: "timeout" });
      assert.deepEqual(closed, [{ kind: "timeout" }]);
      await assert.rejects(pending, (e: unknown) => e instanceof ClosedError && e.reason?.kind === "timeout");
      await within(conn.ended, 5000, "the connection to close");
      assert.equal(c.state, "closed");
    });

    for (const reason of ["", "duplicate login"]) {
      it(`reports a kick with reason ${JSON.stringify(reason)}`, async () => {
        const s = await fake();
        const [c, conn] = await dial(s);
        const kicks: string[] = [];
        c.onKick((r) => kicks.push(r));
        const pending = c.requestRaw("a.b", new Uint8Array(0));
        await conn.nextMessage();
        conn.kick(reason);
        assert.deepEqual(await within(c.closed, 5000, "the kick"), { kind: "kicked", reason });
        assert.deepEqual(kicks, [reason]);
        await assert.rejects(pending, (e: unknown) => {
          assert.ok(e instanceof ClosedError);
          assert.deepEqual(e.reason, { kind: "kicked", reason });
          assert.equal(e.reconnecting, false);
          return true;
        });
        await assert.rejects(c.requestRaw("a.b", new Uint8Array(0)), /client closed: kicked by the server/);
      });
    }

    it("fails to connect when the handshake is refused", async () => {
      const s = await fake({ handshake: (conn) => conn.write(encodePacket(PacketType.Handshake, new TextEncoder().encode('{"code":400}'))) });
      const c = new Client(s.url, { WebSocket });
      await assert.rejects(c.connect(), (e: unknown) => e instanceof HandshakeError && e.code === 400);
      const r = await c.closed;
      assert.equal(r.kind, "error");
      assert.equal(c.state, "closed");
      await assert.rejects(c.connect(), /connect on a client that is closed/);
    });

    it("fails to connect when kicked during the handshake", async () => {
      const s = await fake({ handshake: (conn) => conn.kick("server full") });
      await assert.rejects(connect(s.url, { WebSocket }), (e: unknown) => {
        assert.ok(e instanceof ClosedError);
        assert.deepEqual(e.reason, { kind: "kicked", reason: "server full" });
        return true;
      });
    });

    it("fails to connect within connectTimeoutMs when the server never answers", async () => {
      const s = await fake({ handshake: () => {} });
      await assert.rejects(connect(s.url, { WebSocket, connectTimeoutMs: 100 }), TimeoutError);
      const ctl = new AbortController();
      const p = connect(s.url, { WebSocket, signal: ctl.signal });
      await s.handshakes.next("the handshake");
      ctl.abort(new Error("stop"));
      await assert.rejects(p, /stop/);
    });

    it("closes on a malformed packet", async () => {
      const s = await fake();
      const [c, conn] = await dial(s);
      const bad = kind === "ws" ? Uint8Array.of(4, 0, 0, 9, 0) : Uint8Array.of(9, 0, 0, 0);
      conn.write(bad);
      const r = await within(c.closed, 5000, "the close");
      assert.equal(r.kind, "error");
      assert.match((r as { error: Error }).error.message, kind === "ws" ? /declares a 9-byte body/ : /invalid packet type 9/);
    });

    it("resolves push route codes and refuses unknown ones", async () => {
      const s = await fake({ dict: { onMessage: 12 } });
      const [c, conn] = await dial(s);
      const got = new Queue<string>();
      c.onPush("onMessage", ChatMessageSchema, (m) => got.put(m.text));
      conn.data({ type: MessageType.Push, compressed: true, code: 12 }, chat("coded"));
      assert.equal(await got.next("the push"), "coded");
      conn.data({ type: MessageType.Push, compressed: true, code: 13 }, chat("?"));
      const r = await within(c.closed, 5000, "the close");
      assert.match((r as { error: Error }).error.message, /unknown route code 13/);
    });

    it("holds pushes until the first handler, bounded by pushQueue", async () => {
      const s = await fake();
      const logger = recordingLogger();
      const [c, conn] = await dial(s, { pushQueue: 2, logger });
      const p = c.requestRaw("a.b", new Uint8Array(0));
      const m = await conn.nextMessage();
      for (const t of ["1", "2", "3"]) conn.data({ type: MessageType.Push, route: "onMessage" }, chat(t));
      conn.data({ type: MessageType.Push, route: "onMembers" }, new Uint8Array(0));
      conn.data({ type: MessageType.Response, id: m.id });
      await p; // everything before the response has arrived and is held
      assert.deepEqual(logger.lines, [
        "warn gamesrv: push onMessage dropped: no push handler registered and 2 pushes held",
        "warn gamesrv: push onMessage dropped: no push handler registered and 2 pushes held",
      ]);
      const got: string[] = [];
      c.onPush("onMessage", ChatMessageSchema, (msg) => got.push("message " + msg.text));
      c.onPush("onMembers", ChatMessageSchema, () => got.push("members")); // same run: gets its own
      assert.deepEqual(got, [], "held pushes are delivered after the registering code returns");
      await Promise.resolve();
      assert.deepEqual(got, ["message 3", "members"]);
    });

    it("delivers pushes and responses in arrival order across compressed payloads", async () => {
      const s = await fake();
      const [c, conn] = await dial(s);
      const order: string[] = [];
      const last = deferred();
      c.onPush("onMessage", ChatMessageSchema, (m) => {
        order.push(m.text);
        if (m.text === "D") last.resolve();
      });
      const p = c.requestRaw("a.b", new Uint8Array(0)).then((b) => order.push("response " + new TextDecoder().decode(b)));
      const m = await conn.nextMessage();
      const big = "A".repeat(5000);
      conn.data({ type: MessageType.Push, route: "onMessage", zlib: true }, deflateSync(chat(big)));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("B"));
      conn.data({ type: MessageType.Response, id: m.id, zlib: true }, deflateSync("pong"));
      conn.data({ type: MessageType.Push, route: "onMessage", zlib: true }, deflateSync(chat("C")));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("D"));
      await within(last.promise, 5000, "push D");
      await p;
      // The response settles in its place: after B, before C (whose
      // inflate completes on a later turn of the event loop).
      assert.deepEqual(order, [big, "B", "response pong", "C", "D"]);
    });

    it("closes on a compressed payload that inflates beyond maxBodySize", async () => {
      const s = await fake();
      const [c, conn] = await dial(s, { maxBodySize: 64 << 10 });
      c.onPush("onMessage", ChatMessageSchema, () => assert.fail("the bomb was delivered"));
      conn.data({ type: MessageType.Push, route: "onMessage", zlib: true }, deflateSync(Buffer.alloc(1 << 20)));
      const r = await within(c.closed, 5000, "the close");
      assert.match((r as { error: Error }).error.message, /inflates beyond 65536 bytes/);
    });

    it("keeps delivering when a push handler throws, and logs it", async () => {
      const s = await fake();
      const logger = recordingLogger();
      const [c, conn] = await dial(s, { logger });
      const got = new Queue<string>();
      c.onPush("onMessage", ChatMessageSchema, (m) => {
        if (m.text === "boom") throw new Error("handler bug");
        got.put(m.text);
      });
      const off = c.onPush("onMessage", ChatMessageSchema, (m) => got.put("second " + m.text));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("boom"));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("ok"));
      assert.equal(await got.next("push"), "second boom");
      assert.equal(await got.next("push"), "ok");
      assert.equal(await got.next("push"), "second ok");
      off();
      const raw = new Queue<string>();
      c.onRawPush((route, payload) => raw.put(`${route} ${payload.length}`));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("only first"));
      conn.data({ type: MessageType.Push, route: "other" }, Uint8Array.of(1, 2));
      assert.equal(await got.next("push"), "only first");
      assert.equal(await raw.next("raw push"), "other 2");
      conn.data({ type: MessageType.Push, route: "onMessage" }, Uint8Array.of(0xff));
      conn.data({ type: MessageType.Push, route: "onMessage" }, chat("after"));
      assert.equal(await got.next("push"), "after");
      assert.equal(logger.lines.length, 2);
      assert.match(logger.lines[0]!, /^error gamesrv: push handler \(onMessage\) threw Error: handler bug/);
      assert.match(logger.lines[1]!, /^warn gamesrv: push onMessage does not decode as chat.v1.ChatMessage/);
    });

    it("close() ends everything once", async () => {
      const s = await fake();
      const [c, conn] = await dial(s);
      const pending = c.requestRaw("a.b", new Uint8Array(0));
      await conn.nextMessage();
      const closes: CloseReason[] = [];
      c.onClose((r) => closes.push(r));
      c.close();
      c.close();
      await assert.rejects(pending, (e: unknown) => e instanceof ClosedError && e.reason?.kind === "closed");
      assert.deepEqual(await c.closed, { kind: "closed" });
      assert.deepEqual(closes, [{ kind: "closed" }]);
      await assert.rejects(c.requestRaw("a.b", new Uint8Array(0)), /client closed: closed/);
      assert.throws(() => c.notifyRaw("a.b", new Uint8Array(0)), ClosedError);
      await within(conn.ended, 5000, "the server to see the close");
      const late = deferred<CloseReason>();
      c.onClose(late.resolve);
      assert.deepEqual(await late.promise, { kind: "closed" });
    });

    it("reconnects after a lost connection, failing the pending requests", async () => {
      const s = await fake();
      const c = new Client(s.url, { WebSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
      clients.push(c);
      const got = new Queue<string>();
      c.onPush("onMessage", ChatMessageSchema, (m: ChatMessage) => got.put(m.text));
      await c.connect();
      const conn1 = await s.conns.next("the first connection");
      const events: string[] = [];
      c.onDisconnect((r, again) => events.push(`disconnect ${r.kind} ${again}`));
      const reconnected = new Queue<number>();
      c.onReconnect((e) => {
        events.push(`reconnect ${e.attempt} after ${e.reason.kind}`);
        reconnected.put(e.attempt);
      });
      const pending = c.requestRaw("a.b", new Uint8Array(0));
      await conn1.nextMessage();
      conn1.destroy();
      await assert.rejects(pending, (e: unknown) => {
        assert.ok(e instanceof ClosedError);
        assert.equal(e.reconnecting, true);
        assert.match(e.message, /connection lost: .*\(reconnecting\)/);
        return true;
      });
      const conn2 = await s.conns.next("the reconnection");
      await reconnected.next("the reconnect event");
      assert.equal(c.state, "open");
      assert.deepEqual(events, ["disconnect error true", "reconnect 1 after error"]);
      conn2.data({ type: MessageType.Push, route: "onMessage" }, chat("again"));
      assert.equal(await got.next("a push after the reconnect"), "again");
      const p = c.requestRaw("a.b", Uint8Array.of(5));
      const m = await conn2.nextMessage();
      conn2.data({ type: MessageType.Response, id: m.id }, Uint8Array.of(6));
      assert.deepEqual([...(await p)], [6]);
    });

    it("does not reconnect after a kick by default, and gives up after maxAttempts", async () => {
      const s = await fake();
      const [c, conn] = await dial(s, { reconnect: { initialDelayMs: 10 } });
      conn.kick("duplicate login");
      assert.deepEqual(await within(c.closed, 5000, "the kick"), { kind: "kicked", reason: "duplicate login" });

      const s2 = await fake();
      const logger = recordingLogger();
      const [c2, conn2] = await dial(s2, { logger, reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
      const states: string[] = [];
      c2.onDisconnect(() => states.push(c2.state));
      await s2.close();
      await within(conn2.ended, 5000, "the connection to end");
      const r = await within(c2.closed, 10_000, "the client to give up");
      assert.deepEqual(states, ["reconnecting"]);
      assert.equal(r.kind, "error");
      assert.match((r as { error: Error }).error.message, /reconnecting to .* failed/);
      assert.equal(logger.lines.filter((l) => l.startsWith("warn gamesrv: reconnect attempt")).length, 3);
      await assert.rejects(c2.requestRaw("a.b", new Uint8Array(0)), ClosedError);
    });

    it("close() stops a reconnect under way", async () => {
      const s = await fake();
      const [c, conn] = await dial(s, { reconnect: { initialDelayMs: 60_000 } });
      const disconnected = deferred();
      c.onDisconnect(() => disconnected.resolve());
      conn.destroy();
      await within(disconnected.promise, 5000, "the disconnect");
      assert.equal(c.state, "reconnecting");
      await assert.rejects(c.requestRaw("a.b", new Uint8Array(0)), (e: unknown) => e instanceof ClosedError && e.reconnecting);
      c.close();
      assert.deepEqual(await c.closed, { kind: "closed" });
    });
  });
}

describe("connect", () => {
  it("refuses unsupported URLs", () => {
    assert.throws(() => new Client("http://x:1"), /unsupported scheme "http"/);
    assert.throws(() => new Client("tcp://x"), /not tcp:\/\/host:port/);
    assert.throws(() => new Client("tcp://:80"), /not tcp:\/\/host:port/);
  });

  it("needs a WebSocket for ws:// where there is no global", async () => {
    assert.equal(typeof (globalThis as { WebSocket?: unknown }).WebSocket, "undefined");
    await assert.rejects(connect("ws://127.0.0.1:1/"), /no WebSocket global here/);
  });

  it("reports a refused TCP connection", async () => {
    const s = await FakeServer.start("tcp");
    const url = s.url;
    await s.close();
    await assert.rejects(connect(url), /ECONNREFUSED/);
  });

  it("requests before connect fail with ClosedError", async () => {
    const c = new Client("tcp://127.0.0.1:1");
    await assert.rejects(c.requestRaw("a.b", new Uint8Array(0)), /not connected/);
    assert.equal(c.state, "new");
    c.close();
    assert.deepEqual(await c.closed, { kind: "closed" });
  });

  it("a typed handshake answer is what the fake sends by default", () => {
    assert.equal(okHandshake({}).length > 4, true);
  });
});
