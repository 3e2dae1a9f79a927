// The command line of tsbot: the Go bot's flags (-addr, or --addr), Go
// durations.

import { parseArgs } from "node:util";
import type { Config } from "./bots.js";

/** The help text. */
export const usage = `usage: tsbot [flags]
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

/** Milliseconds of a duration in Go's syntax (time.ParseDuration): "50ms", "1.5s", "1m0s", "2h45m". */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
  if (s === "0") return 0;
  if (s === "") throw new Error(`invalid duration ""`);
  let ms = 0;
  let rest = s;
  while (rest !== "") {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration "${s}"`);
    ms += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

function parseCount(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`-${name}: invalid count "${s}"`);
  return n;
}

/** The config of the command line (without node and the script); flags as the Go bot's (-addr), or --addr. Throws on a bad flag; help is true for -h. */
export function parseFlags(argv: string[]): { config: Config; json: boolean; help: boolean } {
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
  const config: Config = {};
  if (values.addr !== undefined) config.addr = values.addr;
  if (values.prefix !== undefined) config.prefix = values.prefix;
  if (values["room-prefix"] !== undefined) config.roomPrefix = values["room-prefix"];
  const counts = [
    ["bots", "bots"],
    ["rooms", "rooms"],
    ["messages", "messages"],
    ["peer-bots", "peerBots"],
  ] as const;
  for (const [flag, key] of counts) {
    const n = parseCount(flag, values[flag]);
    if (n !== undefined) config[key] = n;
  }
  if (values.interval !== undefined) config.intervalMs = parseDuration(values.interval);
  if (values.timeout !== undefined) config.timeoutMs = parseDuration(values.timeout);
  return { config, json: values.json ?? false, help: values.help ?? false };
}
