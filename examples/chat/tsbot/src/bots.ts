// Simulated chat players over @gamesrv/client and the generated stubs of
// chat.proto: the TypeScript twin of examples/chat/chatbot, with the same
// rooms, lines, checks and report, so Go and TypeScript bots can share
// rooms (make demo).

import { Client, type ConnectOptions } from "@gamesrv/client";
import { setMaxListeners } from "node:events";
import { WebSocket } from "ws";
import { registerRoomServicePushHandler, RoomServiceClient } from "../../web/src/gen/chat/v1/chat_gamesrv.js";
import type { ChatMessage } from "../../web/src/gen/chat/v1/chat_pb.js";

/** A bot run. Every field is optional: left out (or 0) it takes the default written on it. */
export interface Config {
  /** The server: "ws://host:port/" or "tcp://host:port". Default "tcp://127.0.0.1:3250". */
  addr?: string;
  /** Simulated players. Default 10. */
  bots?: number;
  /** The bots are spread over this many rooms: bot i joins room i mod rooms. Default 2. */
  rooms?: number;
  /** Lines each bot says. Default 10. */
  messages?: number;
  /** Pause between two lines of a bot, in milliseconds. Default 20. */
  intervalMs?: number;
  /** Starts every bot name ("<prefix>bot-<i>"), so runs can share a server. Default "". */
  prefix?: string;
  /** Starts every room name ("<roomPrefix>room-<i>"). Default: prefix. */
  roomPrefix?: string;
  /**
   * Bots of another run in the same rooms (the Go bots of make demo), spread
   * the same way (its bot i in room i mod rooms). Each bot waits until its
   * room holds its share of both runs before it talks, and expects the
   * lines of all of them. Default 0.
   */
  peerBots?: number;
  /** Limit of the whole run, in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** What a run did: the JSON of chatbot.Report (Go), durations in nanoseconds. */
export interface Report {
  client: "ts";
  addr: string;
  bots: number;
  /** Lines said. */
  sent: number;
  /** Lines pushed to the bots. */
  received: number;
  /** Lines the bots should have got, summed. */
  expected: number;
  /** Timed requests (joins and members). */
  requests: number;
  p50_ns: number;
  p99_ns: number;
  elapsed_ns: number;
  failures?: string[];
}

/** Whether every bot got every line and nothing failed. */
export function ok(r: Report): boolean {
  return (r.failures ?? []).length === 0 && r.received === r.expected;
}

type Settings = Required<Config>;

function withDefaults(c: Config): Settings {
  const or = (v: number | undefined, def: number): number => (v !== undefined && v > 0 ? v : def);
  const prefix = c.prefix ?? "";
  return {
    addr: c.addr || "tcp://127.0.0.1:3250",
    bots: or(c.bots, 10),
    rooms: or(c.rooms, 2),
    messages: or(c.messages, 10),
    intervalMs: or(c.intervalMs, 20),
    prefix,
    roomPrefix: c.roomPrefix || prefix,
    peerBots: Math.max(0, c.peerBots ?? 0),
    timeoutMs: or(c.timeoutMs, 30_000),
  };
}

/** The bots of n that join room r when bot i joins room i mod rooms. */
export function botsInRoom(n: number, rooms: number, r: number): number {
  return Math.floor(n / rooms) + (r < n % rooms ? 1 : 0);
}

/** A promise resolved by the last of n arrivals. */
class Barrier {
  readonly done: Promise<void>;
  private pending: number;
  private open!: () => void;

  constructor(n: number) {
    this.pending = n;
    this.done = new Promise((r) => (this.open = r));
    if (n <= 0) this.open();
  }

  arrive(): void {
    if (--this.pending === 0) this.open();
  }
}

/** Resolves when cond() holds, checked after each change(); rejects when signal aborts. */
class Condition {
  private waiters: { cond: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly signal: AbortSignal) {}

  /** Wakes the waiters whose condition now holds. */
  changed(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.cond()) return true;
      w.resolve();
      return false;
    });
  }

  wait(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return abortable(new Promise((resolve) => this.waiters.push({ cond, resolve })), this.signal);
  }
}

/** p, or the signal's reason when it aborts first. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Waits ms, or rejects when signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((r) => setTimeout(r, ms)), signal);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The shared state of one run. */
class Run {
  readonly joined: Barrier;
  readonly said: Barrier;
  readonly latencies: number[] = []; // milliseconds
  readonly failures: string[] = [];
  sent = 0;
  received = 0;
  expected = 0;

  constructor(
    readonly cfg: Settings,
    readonly signal: AbortSignal,
  ) {
    this.joined = new Barrier(cfg.bots);
    this.said = new Barrier(cfg.bots);
  }

  fail(bot: string, what: string, err?: unknown): void {
    this.failures.push(err === undefined ? `${bot}: ${what}` : `${bot}: ${what}: ${message(err)}`);
  }

  /** Runs f, recording its latency when it succeeds. */
  async timed<T>(f: () => Promise<T>): Promise<T> {
    const start = performance.now();
    const v = await f();
    this.latencies.push(performance.now() - start);
    return v;
  }
}

/** What one bot saw of its room. */
class Inbox {
  /** Lines received. */
  got = 0;
  /** The largest member count seen (join response and onMembers pushes). */
  members = 0;
  /** The first line out of order, if any. */
  disorder = "";
  /** The next line number expected from each sender. */
  private readonly next = new Map<string, number>();

  constructor(
    private readonly room: string,
    readonly changed: Condition,
  ) {}

  /** Counts a line and checks it is the next one of its sender, "<from> line <n>". */
  line(m: ChatMessage): void {
    this.got++;
    const n = this.next.get(m.from) ?? 0;
    this.next.set(m.from, n + 1);
    const want = `${m.from} line ${n}`;
    if (!this.disorder && (m.room !== this.room || m.text !== want)) {
      this.disorder = `got "${m.text}" in ${m.room}, want "${want}" in ${this.room}`;
    }
    this.changed.changed();
  }

  seeMembers(n: number): void {
    this.members = Math.max(this.members, n);
    this.changed.changed();
  }
}

/**
 * Runs the bots and reports. Each bot connects, joins its room, waits for
 * the other bots (its room full), says its lines (a timed members request
 * after each), waits for every line said in its room, checks each sender's
 * lines arrived once and in order, and closes.
 */
export async function run(config: Config): Promise<Report> {
  const cfg = withDefaults(config);
  const signal = AbortSignal.timeout(cfg.timeoutMs);
  setMaxListeners(0, signal); // every bot listens to it
  const r = new Run(cfg, signal);
  const start = performance.now();
  await Promise.all(Array.from({ length: cfg.bots }, (_, i) => bot(r, i)));
  return report(r, performance.now() - start);
}

async function bot(r: Run, i: number): Promise<void> {
  const { cfg, signal } = r;
  const name = `${cfg.prefix}bot-${i}`;
  const roomIndex = i % cfg.rooms;
  const room = `${cfg.roomPrefix}room-${roomIndex}`;
  const roomSize = botsInRoom(cfg.bots, cfg.rooms, roomIndex) + botsInRoom(cfg.peerBots, cfg.rooms, roomIndex);
  const inbox = new Inbox(room, new Condition(signal));
  const options: ConnectOptions = { user: { name }, connectTimeoutMs: cfg.timeoutMs, signal };
  if (cfg.addr.startsWith("ws")) options.WebSocket = WebSocket;
  const conn = new Client(cfg.addr, options);
  registerRoomServicePushHandler(conn, {
    onMessage: (m) => inbox.line(m),
    onMembers: (m) => inbox.seeMembers(m.members.length),
  });
  const rooms = new RoomServiceClient(conn);
  let joined = false;
  let talked = false;
  let want = 0;
  // What the bot was doing, for the failure message.
  let stage = (): string => "connect";
  try {
    await conn.connect();
    stage = () => "join";
    const res = await r.timed(() => rooms.join({ room, name }, { signal }));
    inbox.seeMembers(res.members.length);
    joined = true;
    r.joined.arrive();
    stage = () => "wait for the other bots to join";
    await abortable(r.joined.done, signal);
    stage = () => `wait for ${roomSize} members in ${room} (saw ${inbox.members})`;
    await inbox.changed.wait(() => inbox.members >= roomSize);
    stage = () => "talk";
    await talk(r, rooms, name);
    talked = true;
    r.said.arrive();
    // Bots leave once they got every line, maybe before another's last
    // members request: the room's size is the one it filled to.
    want = roomSize * cfg.messages;
    r.expected += want;
    stage = () => `got ${inbox.got} of ${want} lines`;
    await abortable(r.said.done, signal);
    await inbox.changed.wait(() => inbox.got >= want);
    if (inbox.got > want) r.fail(name, stage());
  } catch (e) {
    r.fail(name, stage(), e);
  } finally {
    if (!joined) r.joined.arrive();
    if (!talked) r.said.arrive();
    if (inbox.disorder) r.fail(name, inbox.disorder);
    r.received += inbox.got;
    conn.close();
  }
}

/** Says the bot's lines, timing a members request after each. */
async function talk(r: Run, rooms: RoomServiceClient, name: string): Promise<void> {
  const { cfg, signal } = r;
  const start = performance.now();
  let last = 0; // the last tick taken
  for (let n = 0; n < cfg.messages; n++) {
    await rooms.say({ text: `${name} line ${n}` }, { signal });
    r.sent++;
    await r.timed(() => rooms.members({}, { signal }));
    // As Go's time.Ticker (the Go bot's): ticks every interval; a tick
    // missed while the requests ran is taken at once, older ones dropped.
    const fired = Math.floor((performance.now() - start) / cfg.intervalMs);
    if (fired > last) {
      last = fired;
    } else {
      last++;
      await sleep(start + last * cfg.intervalMs - performance.now(), signal);
    }
  }
}

/** The p-quantile of sorted values, as chatbot.percentile. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function report(r: Run, elapsedMs: number): Report {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const ns = (ms: number): number => Math.round(ms * 1e6);
  const out: Report = {
    client: "ts",
    addr: r.cfg.addr,
    bots: r.cfg.bots,
    sent: r.sent,
    received: r.received,
    expected: r.expected,
    requests: sorted.length,
    p50_ns: ns(percentile(sorted, 0.5)),
    p99_ns: ns(percentile(sorted, 0.99)),
    elapsed_ns: ns(elapsedMs),
  };
  if (r.failures.length > 0) out.failures = r.failures;
  return out;
}

/** d (nanoseconds) as Go's time.Duration prints it: "850µs", "2.346ms", "1.500123s", "1m2.5s". */
export function goDuration(ns: number): string {
  ns = Math.round(ns);
  if (ns === 0) return "0s";
  const decimal = (v: number, unit: number, digits: number): string => {
    const frac = String(v % unit).padStart(digits, "0").replace(/0+$/, "");
    return String(Math.floor(v / unit)) + (frac ? "." + frac : "");
  };
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${decimal(ns, 1e3, 3)}µs`;
  if (ns < 1e9) return `${decimal(ns, 1e6, 6)}ms`;
  if (ns < 60e9) return `${decimal(ns, 1e9, 9)}s`;
  const min = Math.floor(ns / 60e9);
  return `${min}m${goDuration(ns - min * 60e9)}`;
}

/** The report on a line (and one per failure), as chatbot.Report's String. */
export function format(r: Report): string {
  const round = (ns: number, unit: number): number => Math.round(ns / unit) * unit;
  const pad = (s: string | number, n: number): string => String(s).padEnd(n);
  const lpad = (s: string | number, n: number): string => String(s).padStart(n);
  let s =
    `${pad(r.client, 3)}${pad(r.addr, 28)} ${lpad(r.bots, 4)} bots  said ${lpad(r.sent, 6)}  ` +
    `received ${lpad(r.received, 7)}/${pad(r.expected, 7)}  ${lpad(r.requests, 5)} requests  ` +
    `p50 ${pad(goDuration(round(r.p50_ns, 1e3)), 9)} p99 ${pad(goDuration(round(r.p99_ns, 1e3)), 9)} ` +
    `in ${goDuration(round(r.elapsed_ns, 1e6))}`;
  for (const f of r.failures ?? []) s += `\n  FAIL ${f}`;
  return s;
}
