// tsbot against the real Go chat server (examples/chat/server) over ws://
// and tcp://: its runs, two runs sharing rooms as the demo's Go and
// TypeScript bots do, a run missing its peers, and the command line.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { botsInRoom, format, goDuration, ok, run, type Report } from "../src/bots.js";
import { parseDuration, parseFlags } from "../src/flags.js";

/** The chat server binary: $GAMESRV_CHAT_SERVER, else build/chat-server (npm test builds it). */
const serverBinary = process.env.GAMESRV_CHAT_SERVER || fileURLToPath(new URL("../../chat-server", import.meta.url));
const mainScript = fileURLToPath(new URL("../src/main.js", import.meta.url));

/** Starts the chat server on TCP and WebSocket (port 0); resolves with its URLs and a stop function. */
async function startChatServer(): Promise<{ tcp: string; ws: string; stop: () => Promise<void> }> {
  const proc = spawn(serverBinary, ["-tcp", "127.0.0.1:0", "-ws", "127.0.0.1:0", "-kcp", "", "-web", ""], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  let stderr = ""; // its log, for the error of an early exit
  proc.stderr.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const listen: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      for (const m of out.matchAll(/^LISTEN (\w+) (\S+)$/gm)) listen[m[1]!] = m[2]!;
      if (listen.tcp && listen.ws) resolve();
    });
    void exited.then(() => reject(new Error(`${serverBinary} exited before listening:\n${stderr}`)));
  });
  return {
    tcp: `tcp://${listen.tcp}`,
    ws: `ws://${listen.ws}/`,
    async stop() {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}

describe("tsbot against the Go chat server", () => {
  let srv: Awaited<ReturnType<typeof startChatServer>>;
  before(async () => {
    srv = await startChatServer();
  });
  after(() => srv?.stop());

  for (const kind of ["ws", "tcp"] as const) {
    it(`over ${kind}: every bot gets every line of its room`, async () => {
      const r = await run({ addr: srv[kind], bots: 4, rooms: 2, messages: 5, intervalMs: 1, prefix: `solo-${kind}-` });
      assert.ok(ok(r), format(r));
      // 2 bots per room, each gets 2 x 5 lines; 4 joins and 20 members requests timed.
      assert.deepEqual([r.client, r.addr, r.sent, r.received, r.expected, r.requests], ["ts", srv[kind], 20, 40, 40, 24]);
      assert.ok(r.p50_ns > 0 && r.p99_ns >= r.p50_ns && r.elapsed_ns > 0, format(r));
    });
  }

  it("two runs share rooms over two transports, each bot expecting the other run's lines", async () => {
    // 5 bots over tcp and 3 over ws in 2 rooms: shared-room-0 holds 3+2, shared-room-1 2+1.
    const common = { rooms: 2, messages: 4, intervalMs: 1, roomPrefix: "shared-" };
    const [a, b] = await Promise.all([
      run({ ...common, addr: srv.tcp, bots: 5, prefix: "a-", peerBots: 3 }),
      run({ ...common, addr: srv.ws, bots: 3, prefix: "b-", peerBots: 5 }),
    ]);
    assert.ok(ok(a) && ok(b), `${format(a)}\n${format(b)}`);
    assert.equal(a.expected, (3 * 5 + 2 * 3) * 4);
    assert.equal(b.expected, (2 * 5 + 1 * 3) * 4);
  });

  it("bots told of peers that never come fail, saying what they waited for", async () => {
    const r = await run({ addr: srv.ws, bots: 2, rooms: 1, messages: 2, intervalMs: 1, prefix: "lonely-", peerBots: 1, timeoutMs: 2000 });
    assert.equal(ok(r), false);
    assert.equal(r.sent, 0);
    assert.equal(r.failures?.length, 2, format(r));
    for (const f of r.failures ?? []) assert.match(f, /wait for 3 members in lonely-room-0 \(saw 2\)/);
  });

  it("the command line takes the Go bot's flags and prints the JSON report", () => {
    const args = [mainScript, "-addr", srv.tcp, "-bots", "2", "-rooms", "1", "-messages", "3", "-interval", "1ms", "-prefix", "cli-", "--json"];
    const res = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    const r = JSON.parse(res.stdout) as Report;
    assert.deepEqual([r.bots, r.sent, r.expected, r.received], [2, 6, 12, 12]);
    const bad = spawnSync(process.execPath, [mainScript, "-bots", "many"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /-bots: invalid count "many"/);
  });
});

it("botsInRoom spreads bot i to room i mod rooms", () => {
  const cases: [n: number, rooms: number, room: number, want: number][] = [
    [50, 5, 0, 10], [50, 5, 4, 10], [7, 3, 0, 3], [7, 3, 1, 2], [7, 3, 2, 2], [2, 5, 1, 1], [2, 5, 2, 0], [0, 5, 0, 0],
  ];
  for (const [n, rooms, room, want] of cases) assert.equal(botsInRoom(n, rooms, room), want, `${n} bots, ${rooms} rooms, room ${room}`);
});

it("format prints the Go bot's line (chatbot.Report's String)", () => {
  const r: Report = {
    client: "ts", addr: "ws://127.0.0.1:3252/", bots: 20, sent: 800, received: 56000, expected: 56000, requests: 820,
    p50_ns: 2_345_678, p99_ns: 12_000_000, elapsed_ns: 2_104_400_000, failures: ["bot-1: join: boom"],
  };
  // What Go prints for the same report.
  assert.equal(
    format(r),
    "ts ws://127.0.0.1:3252/           20 bots  said    800  received   56000/56000      820 requests  p50 2.346ms   p99 12ms      in 2.104s\n  FAIL bot-1: join: boom",
  );
  r.p50_ns = 850_400;
  r.p99_ns = 1_500_123_456;
  assert.match(format(r), /p50 850µs {5}p99 1\.500123s in 2\.104s/);
});

it("goDuration prints as Go's time.Duration", () => {
  const cases: [number, string][] = [
    [0, "0s"], [999, "999ns"], [1000, "1µs"], [1500, "1.5µs"], [2_000_000, "2ms"], [2_345_678, "2.345678ms"],
    [1e9, "1s"], [1_500_123_000, "1.500123s"], [62.5e9, "1m2.5s"],
  ];
  for (const [ns, want] of cases) assert.equal(goDuration(ns), want, String(ns));
});

it("parseDuration takes Go's durations, as the demo passes them (time.Duration's String)", () => {
  const cases: [string, number][] = [["0", 0], ["50ms", 50], ["1.5s", 1500], ["1m0s", 60_000], ["2h45m", 9_900_000], ["250µs", 0.25], ["250us", 0.25], [".5s", 500]];
  for (const [s, want] of cases) assert.equal(parseDuration(s), want, s);
  for (const bad of ["", "50", "1x", "ms", "1s2", "-1s"]) assert.throws(() => parseDuration(bad), /invalid duration/, bad);
});

it("parseFlags takes -flag and --flag, and rejects what it does not know", () => {
  const { config, json } = parseFlags(["-addr", "ws://h:1/", "--bots", "3", "-peer-bots=7", "-room-prefix", "r-", "-timeout", "1m0s", "-json"]);
  assert.deepEqual(config, { addr: "ws://h:1/", roomPrefix: "r-", bots: 3, peerBots: 7, timeoutMs: 60_000 });
  assert.equal(json, true);
  assert.throws(() => parseFlags(["-peer-bots", "1.5"]), /-peer-bots: invalid count "1.5"/);
  assert.throws(() => parseFlags(["-nope"]), /nope/);
});
