// Command tsbot runs simulated chat players in Node against a chat server,
// over ws:// or tcp://, and prints what they saw: the TypeScript twin of
// examples/chat/bot, with the same flags. It exits 1 if any bot missed a
// line or failed.
//
//	npm ci && make tsbot
//	node examples/chat/tsbot/build/tsbot/src/main.js -addr ws://127.0.0.1:3252/ -bots 50 -rooms 5

import { format, ok, run } from "./bots.js";
import { parseFlags, usage } from "./flags.js";

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseFlags>;
  try {
    opts = parseFlags(process.argv.slice(2));
  } catch (e) {
    console.error(`tsbot: ${e instanceof Error ? e.message : String(e)}\n${usage}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(usage);
    return;
  }
  const r = await run(opts.config);
  console.log(opts.json ? JSON.stringify(r) : format(r));
  process.exitCode = ok(r) ? 0 : 1;
}

await main();
