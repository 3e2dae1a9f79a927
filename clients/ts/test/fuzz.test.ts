// Fuzzing the decoders with seeded random input (deterministic, so a
// failure reproduces): random bytes and mutations of valid encodings either
// decode or throw a ProtocolError, never anything else, and whatever
// decodes encodes back to a message that decodes the same.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  decodeErrorPayload,
  decodeHandshakeResponse,
  decodeKick,
  decodeMessage,
  decodePacket,
  encodeMessage,
  PacketReader,
  ProtocolError,
} from "../src/index.js";
import { hex, unhex } from "./helpers.js";

/** xorshift32: a small seeded generator. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const vectors = JSON.parse(readFileSync(new URL("../../../../test/data/vectors.json", import.meta.url), "utf8")) as {
  messages: { message_hex: string }[];
  packets: { wire_hex: string }[];
  pitaya_error: { message_hex?: string; packet_hex?: string }[];
};
const seeds: Uint8Array[] = [
  ...vectors.messages.map((v) => unhex(v.message_hex)),
  ...vectors.packets.map((v) => unhex(v.wire_hex)),
  new TextEncoder().encode('{"code":200,"sys":{"dict":{"a.b":1},"heartbeat":30,"serializer":"protobuf"}}'),
  new TextEncoder().encode('{"code":"PIT-404","msg":"not found","metadata":{"k":"v"}}'),
];

/** Random input: fresh bytes, or a seed with a few bytes changed, cut or grown. */
function input(next: () => number): Uint8Array {
  if (next() % 4 === 0) {
    const b = new Uint8Array(next() % 40);
    for (let i = 0; i < b.length; i++) b[i] = next() & 0xff;
    return b;
  }
  const s = seeds[next() % seeds.length]!;
  let b = Uint8Array.from(s);
  for (let n = 1 + (next() % 3); n > 0; n--) {
    switch (next() % 3) {
      case 0:
        if (b.length > 0) b[next() % b.length] = next() & 0xff;
        break;
      case 1:
        b = b.subarray(0, next() % (b.length + 1));
        break;
      default:
        b = Uint8Array.from([...b, next() & 0xff]);
    }
  }
  return b;
}

/** Runs f on input; it may return or throw a ProtocolError only. */
function survives(name: string, b: Uint8Array, f: (b: Uint8Array) => unknown): unknown {
  try {
    return f(b);
  } catch (e) {
    if (!(e instanceof ProtocolError)) assert.fail(`${name}(${hex(b)}) threw ${String(e)}`);
    return undefined;
  }
}

const N = 20_000;

describe("fuzz", () => {
  it("decodeMessage: decodes or refuses; what decodes round-trips", () => {
    const next = rng(1);
    for (let i = 0; i < N; i++) {
      const b = input(next);
      const m = survives("decodeMessage", b, decodeMessage) as ReturnType<typeof decodeMessage> | undefined;
      if (m === undefined || (m.route === "" && !m.compressed && m.type !== 2)) continue;
      const again = decodeMessage(encodeMessage(m, m.payload));
      assert.deepEqual({ ...again, payload: hex(again.payload) }, { ...m, payload: hex(m.payload) }, hex(b));
    }
  });

  it("decodePacket and PacketReader agree", () => {
    const next = rng(2);
    for (let i = 0; i < N; i++) {
      const b = input(next);
      const p = survives("decodePacket", b, (x) => decodePacket(x, 1 << 20)) as ReturnType<typeof decodePacket> | undefined;
      const r = new PacketReader(1 << 20);
      const cut = next() % (b.length + 1);
      const ps = survives("PacketReader.push", b, (x) => [...r.push(x.subarray(0, cut)), ...r.push(x.subarray(cut))]) as
        | ReturnType<PacketReader["push"]>
        | undefined;
      if (p !== undefined) {
        assert.ok(ps !== undefined && ps.length === 1, hex(b));
        assert.equal(hex(ps[0]!.body), hex(p.body));
      }
    }
  });

  it("handshake responses, kicks and error payloads", () => {
    const next = rng(3);
    for (let i = 0; i < N; i++) {
      const b = input(next);
      survives("decodeHandshakeResponse", b, decodeHandshakeResponse);
      survives("decodeErrorPayload protobuf", b, (x) => decodeErrorPayload("protobuf", x));
      survives("decodeErrorPayload json", b, (x) => decodeErrorPayload("json", x));
      assert.equal(typeof decodeKick(b), "string");
    }
  });
});
