// A tiny Node client of the game, on @gamesrv/client and the stubs that
// make generate writes into src/gen: it joins a room, moves a few times,
// prints every move the server pushes (its own come back too) and exits
// once its own last move came back. Exit status 1 on any error.
//
//   make client && node client/build/main.js -addr tcp://127.0.0.1:3250 -name ann -moves 3
//
// Node 20 has no WebSocket global: this client uses tcp://. For ws://, pass
// the ws package's WebSocket in the options (connect(addr, { WebSocket })).

import { codeOf, connect } from "@gamesrv/client";
import { registerRoomServicePushHandler, RoomServiceClient } from "./gen/game/v1/game_gamesrv.js";

/** flag returns the value after -name on the command line, or def. */
function flag(name: string, def: string): string {
  const i = process.argv.indexOf(`-${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

async function main(): Promise<void> {
  const addr = flag("addr", "tcp://127.0.0.1:3250");
  const room = flag("room", "lobby");
  const name = flag("name", `node-${process.pid}`);
  const moves = Number(flag("moves", "3"));

  const conn = await connect(addr, { requestTimeoutMs: 5000 });
  try {
    let own = 0;
    const allBack = new Promise<void>((resolve) => {
      registerRoomServicePushHandler(conn, {
        onMoved(m) {
          console.log(`${m.player?.name} moved to (${m.player?.x}, ${m.player?.y}) in ${m.room}`);
          if (m.player?.name === name && ++own === moves) resolve();
        },
      });
    });
    const rooms = new RoomServiceClient(conn);
    const joined = await rooms.join({ room, name });
    console.log(`joined ${room}: ${joined.players.map((p) => p.name).join(", ")}`);
    for (let i = 1; i <= moves; i++) {
      await rooms.move({ x: i, y: 2 * i }); // a notify: resolves once sent
    }
    if (moves > 0) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`saw ${own} of ${moves} own moves within 5 s`)), 5000);
      });
      await Promise.race([allBack, late]).finally(() => clearTimeout(timer));
    }
    console.log(`${name}: all ${moves} moves came back`);
  } finally {
    conn.close();
  }
}

main().catch((e: unknown) => {
  const code = codeOf(e);
  console.error(`client: ${code ? `${code}: ` : ""}${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
