// Micro-benchmark of the codec's hot paths (run `npm run build` first):
// encoding a request packet, splitting a stream of response packets and
// decoding their messages. Prints operations per second of each.

import { decodeMessage, encodeDataPacket, MessageType, PacketReader } from "../dist/index.js";

const payload = new Uint8Array(32).fill(7);
const dict = new Map([["chat.room.join", 1]]);

function measure(name, n, f, per = 1) {
  for (let i = 0; i < n / 10; i++) f(i); // warm up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f(i);
  const ms = performance.now() - t0;
  const ops = n * per;
  console.log(`${name}: ${Math.round((ops / ms) * 1000).toLocaleString("en")} ops/s (${((ms * 1e6) / ops).toFixed(0)} ns/op)`);
}

measure("encode request packet (route text)", 1_000_000, (i) =>
  encodeDataPacket({ type: MessageType.Request, id: i + 1, route: "chat.room.join" }, payload),
);
measure("encode request packet (route code)", 1_000_000, (i) =>
  encodeDataPacket({ type: MessageType.Request, id: i + 1, compressed: true, code: dict.get("chat.room.join") }, payload),
);
const stream = Buffer.concat(Array.from({ length: 100 }, (_, i) => encodeDataPacket({ type: MessageType.Response, id: i + 1 }, payload)));
const chunks = [stream.subarray(0, 1000), stream.subarray(1000, 2500), stream.subarray(2500)];
measure(
  "split + decode responses (100 per 3 TCP chunks)",
  20_000,
  () => {
    const r = new PacketReader();
    for (const c of chunks) for (const p of r.push(c)) decodeMessage(p.body);
  },
  100,
);
const push = encodeDataPacket({ type: MessageType.Push, route: "onMessage" }, payload).subarray(4);
measure("decode push message (route text)", 1_000_000, () => decodeMessage(push));
