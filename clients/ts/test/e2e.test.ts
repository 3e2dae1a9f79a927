// @gamesrv/client against the real Go chat server (examples/chat/server),
// over ws:// and tcp://, mostly through the stubs generated from chat.proto
// (RoomServiceClient, registerRoomServicePushHandler: make generate writes
// them to examples/chat/web/src/gen), and through the raw Conn API
// (request, notify, onPush with the message schemas) where a test needs it.

import { toBinary } from "@bufbuild/protobuf";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import {
  Client,
  ClosedError,
  codeOf,
  connect,
  GamesrvError,
  inflateZlib,
  type CloseReason,
  type ConnectOptions,
} from "../src/index.js";
import {
  registerRoomServicePushHandler,
  RoomServiceClient,
  RoomServiceRoutes,
} from "../../../examples/chat/web/src/gen/chat/v1/chat_gamesrv.js";
import {
  ChatMessageSchema,
  JoinResponseSchema,
  MembersChangedSchema,
  MembersRequestSchema,
  MembersResponseSchema,
  SayRequestSchema,
  type MembersChanged,
} from "../../../examples/chat/web/src/gen/chat/v1/chat_pb.js";
import { restartChatServer, startChatServer, type ChatServer } from "./chatserver.js";
import { deferred, hex, Queue, within } from "./helpers.js";

const { join: JOIN, say: SAY, members: MEMBERS } = RoomServiceRoutes;

type Kind = "tcp" | "ws";
const kinds: Kind[] = ["ws", "tcp"];

let unique = 0;
/** A name no other test uses (names are uids: a second login kicks the first). */
const uniqueName = (prefix: string): string => `${prefix}${++unique}`;

/** The generated client of the chat service on c. */
const rooms = (c: Client): RoomServiceClient => new RoomServiceClient(c);

/** Joins room as name. */
function join(c: Client, room: string, name: string) {
  return rooms(c).join({ room, name });
}

/** Expects p to reject with a GamesrvError of code. */
async function rejectsWith(p: Promise<unknown>, code: string, what: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GamesrvError, `${what}: ${String(e)}`);
    assert.equal(codeOf(e), code, `${what}: ${e.message}`);
    assert.ok(e.message.length > 0);
    return true;
  });
}

describe("end to end against the Go chat server", () => {
  let srv: ChatServer;
  const clients: Client[] = [];
  const inflated: string[] = []; // hex of every inflated payload
  const dial = async (kind: Kind, opts: ConnectOptions = {}): Promise<Client> => {
    const c = await connect(kind === "tcp" ? srv.tcp : srv.ws, {
      WebSocket,
      inflate: async (data, max) => {
        const out = await inflateZlib(data, max);
        inflated.push(hex(out));
        return out;
      },
      ...opts,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    // -queue-size 128: 100 pipelined requests may all wait at once.
    srv = await startChatServer(["-heartbeat", "1s", "-compress", "100", "-queue-size", "128"]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await srv?.stop();
  });

  for (const kind of kinds) {
    describe(`over ${kind}`, () => {
      it("join, say: the push reaches a second client; a push before the handler is held", async () => {
        const room = uniqueName("room");
        const [ann, bob] = [uniqueName("ann"), uniqueName("bob")];
        const a = await dial(kind);
        assert.equal(a.serializer, "protobuf");
        assert.equal(a.heartbeatMs, 1000);
        assert.equal(a.dict.get(JOIN) !== undefined, true, "the dictionary has the join route");
        const aMessages = new Queue<string>();
        const aMembers = new Queue<MembersChanged>();
        registerRoomServicePushHandler(a, {
          onMessage: (m) => aMessages.put(`${m.room} ${m.from}: ${m.text}`),
          onMembers: (m) => aMembers.put(m),
        });
        assert.deepEqual((await join(a, room, ann)).members, [ann]);
        assert.equal((await aMembers.next("ann's own arrival")).joined, ann);

        const b = await dial(kind);
        const res = await join(b, room, bob); // the push of bob's arrival comes before this response
        assert.deepEqual([...res.members].sort(), [ann, bob].sort());
        const bMembers = new Queue<MembersChanged>();
        b.onPush(RoomServiceRoutes.onMembers, MembersChangedSchema, (m) => bMembers.put(m)); // the raw Conn API
        const held = await bMembers.next("the held push of bob's arrival");
        assert.equal(held.joined, bob);
        assert.equal((await aMembers.next("bob's arrival at ann")).joined, bob);

        await rooms(b).say({ text: "hello" });
        assert.equal(await aMessages.next("bob's line at ann"), `${room} ${bob}: hello`);
        await b.notify(SAY, SayRequestSchema, { text: "hello again" }); // the raw Conn API
        assert.equal(await aMessages.next("bob's second line at ann"), `${room} ${bob}: hello again`);
        const members = await rooms(b).members({});
        assert.equal(members.room, room);
        const raw = await b.request(MEMBERS, MembersRequestSchema, {}, MembersResponseSchema);
        assert.deepEqual([raw.room, [...raw.members].sort()], [room, [ann, bob].sort()]);
        await rooms(b).leave({});
        const left = await aMembers.next("bob leaving");
        assert.deepEqual([left.left, [...left.members]], [bob, [ann]]);
      });

      it("every error path answers its code, and the connection stays open", async () => {
        const c = await dial(kind);
        await rejectsWith(join(c, "r", ""), "CHAT-BAD-NAME", "empty name");
        await rejectsWith(join(c, "r", "x".repeat(33)), "CHAT-BAD-NAME", "33-character name");
        await rejectsWith(join(c, "", uniqueName("n")), "CHAT-BAD-ROOM", "empty room");
        await rejectsWith(rooms(c).members({}), "CHAT-NOT-IN-ROOM", "members first");
        await rejectsWith(rooms(c).leave({}), "CHAT-NOT-IN-ROOM", "leave first");
        await rejectsWith(c.requestRaw("chat.room.nope", new Uint8Array(0)), "GS-404", "unknown method");
        await rejectsWith(c.requestRaw("nope.nope", new Uint8Array(0)), "GS-404", "unknown service");
        await rejectsWith(c.requestRaw("chat.room.roomStats", new Uint8Array(0)), "GS-404", "internal route");
        await rejectsWith(c.requestRaw("nodots", new Uint8Array(0)), "GS-400", "route without a dot");
        await rejectsWith(c.requestRaw("a..b", new Uint8Array(0)), "GS-400", "route with an empty part");
        await rejectsWith(c.requestRaw(JOIN, Uint8Array.of(0xff, 0xff)), "GS-400", "payload that does not unmarshal");
        await rejectsWith(c.requestRaw(SAY, new Uint8Array(0)), "GS-400", "request on a notify route");
        const name = uniqueName("ok");
        assert.deepEqual((await join(c, uniqueName("room"), name)).members, [name]);
        await rejectsWith(join(c, uniqueName("room"), uniqueName("other")), "GS-400", "a second name on one session");
        assert.equal(c.state, "open");
      });

      it("a duplicate login kicks the first client with its reason", async () => {
        const name = uniqueName("dup");
        const first = await dial(kind);
        const kicks: string[] = [];
        first.onKick((r) => kicks.push(r));
        await join(first, uniqueName("room"), name);
        const second = await dial(kind);
        await join(second, uniqueName("room"), name);
        const reason = await within(first.closed, 10_000, "the kick of the first client");
        assert.deepEqual(reason, { kind: "kicked", reason: "duplicate login" });
        assert.deepEqual(kicks, ["duplicate login"]);
        await assert.rejects(join(first, "r", name), ClosedError);
        assert.equal(second.state, "open");
      });

      it("100 pipelined requests are answered in order", async () => {
        const c = await dial(kind);
        const name = uniqueName("pipe");
        const order: number[] = [];
        // Joins of one name move the session from room to room; members
        // answers with the room joined just before it.
        const calls = Array.from({ length: 100 }, (_, i) => {
          const p =
            i % 2 === 0
              ? join(c, `${name}-room-${i}`, name).then((r) => `join ${r.members.join()}`)
              : rooms(c).members({}).then((r) => r.room);
          return p.then((v) => {
            order.push(i);
            return v;
          });
        });
        const got = await Promise.all(calls);
        assert.deepEqual(order, Array.from({ length: 100 }, (_, i) => i));
        for (let i = 0; i < 100; i += 2) assert.equal(got[i], `join ${name}`);
        for (let i = 1; i < 100; i += 2) assert.equal(got[i], `${name}-room-${i - 1}`);
      });

      it("a compressed response and a compressed push are inflated", async () => {
        const room = uniqueName("zroom");
        const long = (p: string): string => uniqueName(p.repeat(32)).slice(-32);
        const names = [long("a"), long("b"), long("c")];
        const cs = [await dial(kind), await dial(kind), await dial(kind)];
        await join(cs[0]!, room, names[0]!);
        await join(cs[1]!, room, names[1]!);
        const res = await join(cs[2]!, room, names[2]!); // three 32-character names: over the 100-byte threshold
        assert.deepEqual([...res.members].sort(), [...names].sort());
        assert.ok(inflated.includes(hex(toBinary(JoinResponseSchema, res))), "the join response was compressed");
        const got = deferred<Uint8Array>();
        cs[0]!.onPush(RoomServiceRoutes.onMessage, ChatMessageSchema, (m) => got.resolve(toBinary(ChatMessageSchema, m)));
        const text = "compress me ".repeat(50);
        await rooms(cs[1]!).say({ text });
        const line = await within(got.promise, 10_000, "the long line");
        assert.ok(inflated.includes(hex(line)), "the push of the long line was compressed");
      });
    });
  }

  it("connections stay alive over 5 heartbeat intervals (ws and tcp)", async () => {
    const cs = await Promise.all(kinds.map((k) => dial(k)));
    const ended: CloseReason[] = [];
    for (const c of cs) c.onClose((r) => ended.push(r));
    // What is under test is a duration: 5 intervals of H = 1 s with no
    // traffic but heartbeats. The server closes a client silent for 2 s;
    // the client closes a server silent for 3 s.
    await new Promise((r) => setTimeout(r, 5 * cs[0]!.heartbeatMs + 500));
    assert.deepEqual(ended, []);
    for (const c of cs) {
      assert.equal(c.state, "open");
      await rejectsWith(rooms(c).members({}), "CHAT-NOT-IN-ROOM", "members");
    }
  });
});

describe("end to end with the JSON serializer and compressed push routes", () => {
  let srv: ChatServer;
  const clients: Client[] = [];
  before(async () => {
    srv = await startChatServer(["-serializer", "json", "-compress-push-routes"]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await srv?.stop();
  });

  for (const kind of kinds) {
    it(`join, say, push and errors over ${kind}`, async () => {
      const url = kind === "tcp" ? srv.tcp : srv.ws;
      const [a, b] = [await connect(url, { WebSocket }), await connect(url, { WebSocket })];
      clients.push(a, b);
      assert.equal(a.serializer, "json");
      assert.ok(a.dict.has("onMessage"), "push routes are in the dictionary");
      const room = uniqueName("jroom");
      const got = new Queue<string>();
      registerRoomServicePushHandler(a, { onMessage: (m) => got.put(`${m.from}: ${m.text} ${typeof m.sentAtUnixMs}`) });
      await join(a, room, uniqueName("jann"));
      const bob = uniqueName("jbob");
      assert.equal((await join(b, room, bob)).members.length, 2);
      await rooms(b).say({ text: "json hello" });
      assert.equal(await got.next("the line"), `${bob}: json hello bigint`);
      await rejectsWith(join(b, room, ""), "CHAT-BAD-NAME", "empty name");
      await rejectsWith(b.requestRaw("chat.room.nope", new TextEncoder().encode("{}")), "GS-404", "unknown route");
      await rejectsWith(b.requestRaw(JOIN, new TextEncoder().encode("{")), "GS-400", "bad JSON");
    });
  }
});

describe("end to end: reconnect after the server restarts", () => {
  for (const kind of kinds) {
    for (const how of ["crash", "graceful"] as const) {
      it(`over ${kind}, after a ${how} restart`, async () => {
        let srv = await startChatServer(["-heartbeat", "1s"]);
        const url = kind === "tcp" ? srv.tcp : srv.ws;
        const open: Client[] = [];
        try {
          // After a crash the connection breaks; a graceful shutdown kicks
          // with the reason "shutdown": the default policy reconnects after
          // both.
          const shouldReconnect = undefined;
          const failed: string[] = []; // attempts while the server is down
          const logger = { debug() {}, info() {}, warn: (m: string) => void failed.push(m), error: (m: string) => void failed.push(m) };
          const reconnect = { initialDelayMs: 20, maxDelayMs: 200, maxAttempts: Infinity, shouldReconnect };
          const a = new Client(url, { WebSocket, logger, reconnect });
          open.push(a);
          const got = new Queue<string>();
          registerRoomServicePushHandler(a, { onMessage: (m) => got.put(`${m.from}: ${m.text}`) });
          const events: string[] = [];
          const reconnected = deferred<number>();
          a.onDisconnect((r, again) => events.push(`disconnect ${r.kind} ${again}`));
          a.onReconnect((e) => {
            events.push(`reconnect after ${e.reason.kind}`);
            reconnected.resolve(e.attempt);
          });
          await a.connect();
          const ann = uniqueName("rann");
          await join(a, "before", ann);
          const plain = await connect(url, { WebSocket }); // no reconnect: ends with the server
          open.push(plain);

          await srv.stop(how === "crash" ? "SIGKILL" : "SIGTERM");
          const plainEnd = await within(plain.closed, 10_000, "the plain client to end");
          assert.equal(plainEnd.kind, how === "crash" ? "error" : "kicked");
          srv = await restartChatServer(["-heartbeat", "1s"], srv.addrs);
          await within(reconnected.promise, 20_000, "the reconnect");
          assert.equal(a.state, "open");
          assert.ok(failed.every((m) => m.startsWith("gamesrv: reconnect attempt")), failed.join("\n"));
          assert.deepEqual(events, [
            `disconnect ${how === "crash" ? "error" : "kicked"} true`,
            `reconnect after ${how === "crash" ? "error" : "kicked"}`,
          ]);
          // The new server does not know the old session: log in again.
          await join(a, "after", ann);
          const b = await connect(url, { WebSocket });
          open.push(b);
          const bob = uniqueName("rbob");
          await join(b, "after", bob);
          await rooms(b).say({ text: "welcome back" });
          assert.equal(await got.next("a push after the restart"), `${bob}: welcome back`);
        } finally {
          for (const c of open) c.close();
          await srv.stop();
        }
      });
    }
  }
});
