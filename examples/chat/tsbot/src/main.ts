// Command tsbot runs simulated chat players in Node against a chat server,
// over ws:// or tcp://, and prints what they saw: the TypeScript twin of
// examples/chat/bot, with the same flags. It exits 1 if any bot missed a
// line or failed.
//
//	npm ci && make tsbot
//	node examples/chat/tsbot/build/tsbot/src/main.js -addr ws://127.0.0.1:3252/ -bots 50 -rooms 5

import { parseArgs } from "node:util";
import { format, ok, run, type Config } from "./bots.js";

const usage = `usage: tsbot [flags]
  -addr string         server address: ws://host:port/ or tcp://host:port (default tcp://127.0.0.1:3250)
  -bots int            number of bots (default 10)
  -rooms int           number of rooms (default 2)
  -messages int        lines said by each bot (default 10)
  -interval duration   pause between two lines of a bot (default 20ms)
  -prefix string       prefix of bot and room names
  -room-prefix string  prefix of room names (default: -prefix)
  -peer-bots int       bots of another run (e.g. Go bots) in the same rooms, whose lines each bot also expects
  -timeout duration    limit for the whole run (default 30s)
  -json                print the report as JSON`;

/** Milliseconds of a Go-style duration: "50ms", "1.5s", "2m", or a number of milliseconds. */
function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) throw new Error(`invalid duration "${s}"`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[m[2] ?? "ms"] ?? 1;
  return Number(m[1]) * scale;
}

function parseCount(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`-${name}: invalid count "${s}"`);
  return n;
}

/** The config of the command line; flags as the Go bot's (-addr), or --addr. */
function parse(argv: string[]): { config: Config; json: boolean } {
  const args = argv.map((a) => (/^-[a-z][a-z-]+(=|$)/.test(a) ? "-" + a : a));
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      addr: { type: "string" },
      bots: { type: "string" },
      rooms: { type: "string" },
      messages: { type: "string" },
      interval: { type: "string" },
      prefix: { type: "string" },
      "room-prefix": { type: "string" },
      "peer-bots": { type: "string" },
      timeout: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const config: Config = {};
  if (values.addr !== undefined) config.addr = values.addr;
  if (values.prefix !== undefined) config.prefix = values.prefix;
  if (values["room-prefix"] !== undefined) config.roomPrefix = values["room-prefix"];
  const counts = { bots: values.bots, rooms: values.rooms, messages: values.messages, peerBots: values["peer-bots"] };
  for (const [key, v] of Object.entries(counts)) {
    const n = parseCount(key, v);
    if (n !== undefined) config[key as "bots" | "rooms" | "messages" | "peerBots"] = n;
  }
  if (values.interval !== undefined) config.intervalMs = parseDuration(values.interval);
  if (values.timeout !== undefined) config.timeoutMs = parseDuration(values.timeout);
  return { config, json: values.json ?? false };
}

async function main(): Promise<void> {
  let opts: { config: Config; json: boolean };
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`tsbot: ${e instanceof Error ? e.message : String(e)}\n${usage}`);
    process.exit(2);
  }
  const r = await run(opts.config);
  console.log(opts.json ? JSON.stringify(r) : format(r));
  process.exitCode = ok(r) ? 0 : 1;
}

await main();
