// Runs the real Go chat server (examples/chat/server) for end-to-end tests.
//
// The binary is $GAMESRV_CHAT_SERVER when set (make ts-test passes
// .bin/chat-server), else build/chat-server, which `npm test` builds with
// `go build` before the tests run.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { within } from "./helpers.js";

/** The chat server binary. */
export function chatServerBinary(): string {
  const env = process.env.GAMESRV_CHAT_SERVER;
  if (env) return env;
  const built = fileURLToPath(new URL("../../../chat-server", import.meta.url));
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: run npm test (it builds it) or set GAMESRV_CHAT_SERVER`);
  }
  return built;
}

/** A running chat server. */
export interface ChatServer {
  /** tcp://host:port */
  readonly tcp: string;
  /** ws://host:port/ */
  readonly ws: string;
  /** The listen addresses (host:port), to restart on the same ports. */
  readonly addrs: { readonly tcp: string; readonly ws: string };
  /** Stops it with signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts the chat server again on the ports of a stopped one. While a port
 * is still taken (the stopped server's connections in TIME_WAIT, on a
 * server whose listeners lack SO_REUSEADDR) it tries again every 200 ms,
 * for at most 90 s: it waits on the port, not on a guess of its delay.
 */
export async function restartChatServer(flags: string[], addrs: { tcp: string; ws: string }): Promise<ChatServer> {
  const deadline = Date.now() + 90_000;
  for (let warned = false; ; ) {
    try {
      return await startChatServer(flags, addrs);
    } catch (e) {
      if (!/address already in use/.test((e as Error).message) || Date.now() > deadline) throw e;
      if (!warned) console.error(`chat server: ${addrs.tcp} or ${addrs.ws} still in use; waiting for it (SO_REUSEADDR missing?)`);
      warned = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Starts the chat server with TCP and WebSocket listeners on addrs (port 0
 * by default), no KCP and no web page, plus flags; resolves once it prints
 * its LISTEN lines. Its stderr is kept for the error of an early exit.
 */
export async function startChatServer(flags: string[] = [], addrs = { tcp: "127.0.0.1:0", ws: "127.0.0.1:0" }): Promise<ChatServer> {
  const proc: ChildProcess = spawn(chatServerBinary(), ["-tcp", addrs.tcp, "-ws", addrs.ws, "-kcp", "", "-web", "", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  let stderr = "";
  proc.stderr!.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const listen: Record<string, string> = {};
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      for (const m of out.matchAll(/^LISTEN (\w+) (\S+)$/gm)) listen[m[1]!] = m[2]!;
      if (listen.tcp && listen.ws) resolve();
    });
    void exited.then((code) => reject(new Error(`chat server exited (${code}) before listening:\n${stderr}`)));
  });
  try {
    await within(ready, 30_000, "the chat server to listen");
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  const tcpAddr = listen.tcp!;
  const wsAddr = listen.ws!;
  return {
    tcp: `tcp://${tcpAddr}`,
    ws: `ws://${wsAddr}/`,
    addrs: { tcp: tcpAddr, ws: wsAddr },
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await within(exited, 20_000, "the chat server to exit");
    },
  };
}
