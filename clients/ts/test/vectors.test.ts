// The codec against the protocol's test vectors (test/data/vectors.json, a
// copy of runtime/wire/testdata/vectors.json, encoded by the independent
// pomelo-protocol implementation).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  decodeErrorPayload,
  decodeKick,
  decodeMessage,
  decodePacket,
  encodeDataPacket,
  encodeErrorPayload,
  encodeMessage,
  encodePacket,
  MessageType,
  PacketReader,
  type MessageHeader,
  type PacketType,
} from "../src/index.js";
import { hex, unhex } from "./helpers.js";

interface Vectors {
  packets: { name: string; type: number; body_hex: string; wire_hex: string }[];
  messages: {
    name: string;
    id: number;
    type: number;
    compressRoute: boolean;
    route: string | number | null;
    body_hex: string;
    gzip: boolean;
    message_hex: string;
    packet_hex: string;
    decoded_back: { id: number; type: number; route: string | number | null; body_hex: string };
  }[];
  pitaya_error: {
    name: string;
    id: number;
    code?: string;
    msg?: string;
    json?: string;
    metadata?: Record<string, string>;
    message_hex?: string;
    packet_hex?: string;
  }[];
}

const vectors = JSON.parse(readFileSync(new URL("../../../../test/data/vectors.json", import.meta.url), "utf8")) as Vectors;

describe("vectors: packets", () => {
  it("has vectors", () => assert.ok(vectors.packets.length > 0));
  for (const v of vectors.packets) {
    it(v.name, () => {
      const body = unhex(v.body_hex);
      assert.equal(hex(encodePacket(v.type as PacketType, body)), v.wire_hex);
      const p = decodePacket(unhex(v.wire_hex));
      assert.equal(p.type, v.type);
      assert.equal(hex(p.body), v.body_hex);
      const split = new PacketReader().push(unhex(v.wire_hex));
      assert.equal(split.length, 1);
      assert.equal(hex(split[0]!.body), v.body_hex);
    });
  }
  it("kick reason", () => {
    const kick = vectors.packets.find((v) => v.type === 5)!;
    assert.equal(decodeKick(unhex(kick.body_hex)), "bye");
  });
});

describe("vectors: messages", () => {
  it("has vectors", () => assert.ok(vectors.messages.length > 0));
  for (const v of vectors.messages) {
    it(v.name, () => {
      const h: MessageHeader = { type: v.type as MessageType, id: v.id, zlib: v.gzip };
      if (typeof v.route === "number") Object.assign(h, { code: v.route, compressed: true });
      else if (typeof v.route === "string") h.route = v.route;
      assert.equal(typeof v.route === "number", v.compressRoute && v.route !== null);
      const body = unhex(v.body_hex);
      assert.equal(hex(encodeMessage(h, body)), v.message_hex);
      assert.equal(hex(encodeDataPacket(h, body)), v.packet_hex);

      const m = decodeMessage(unhex(v.message_hex));
      const d = v.decoded_back;
      assert.equal(m.type, d.type);
      assert.equal(m.id, d.id);
      assert.equal(m.zlib, v.gzip);
      assert.equal(m.error, false);
      if (typeof d.route === "number") {
        assert.ok(m.compressed);
        assert.equal(m.code, d.route);
      } else {
        assert.ok(!m.compressed);
        assert.equal(m.route, d.route ?? "");
      }
      assert.equal(hex(m.payload), d.body_hex);
    });
  }
});

describe("vectors: pitaya errors", () => {
  it("has vectors", () => assert.ok(vectors.pitaya_error.length > 0));
  for (const v of vectors.pitaya_error) {
    it(v.name, () => {
      const wire = v.packet_hex ? decodePacket(unhex(v.packet_hex)).body : unhex(v.message_hex!);
      if (v.message_hex) assert.equal(hex(wire), v.message_hex);
      const m = decodeMessage(wire);
      assert.equal(m.type, MessageType.Response);
      assert.equal(m.id, v.id);
      assert.ok(m.error);
      const json = v.json !== undefined;
      const want = json ? (JSON.parse(v.json!) as { code: string; msg: string; metadata?: Record<string, string> }) : v;
      const e = decodeErrorPayload(json ? "json" : "protobuf", m.payload);
      assert.equal(e.code, want.code);
      assert.equal(e.message, want.msg);
      assert.deepEqual(e.metadata, want.metadata ?? {});
      // The encoder writes the same bytes back.
      const payload = encodeErrorPayload(json ? "json" : "protobuf", { code: e.code, message: e.message, metadata: e.metadata });
      assert.equal(hex(payload), hex(m.payload));
      const packet = encodeDataPacket({ type: MessageType.Response, id: v.id, error: true }, payload);
      if (v.packet_hex) assert.equal(hex(packet), v.packet_hex);
    });
  }
});
