// The codec's edge cases: what it refuses, stream splitting, the handshake,
// error payloads and bounded inflate.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deflateSync } from "node:zlib";
import {
  codeOf,
  decodeErrorPayload,
  decodeHandshakeResponse,
  decodeKick,
  decodeMessage,
  decodePacket,
  encodeDataPacket,
  encodeErrorPayload,
  encodeHandshakeRequest,
  encodeKick,
  encodeMessage,
  encodePacket,
  GamesrvError,
  inflateZlib,
  MAX_BODY_LEN,
  MessageType,
  PacketReader,
  PacketType,
  ProtocolError,
  type Packet,
} from "../src/index.js";
import { hex, unhex } from "./helpers.js";

const enc = new TextEncoder();

describe("packets", () => {
  it("refuses what it cannot express", () => {
    assert.throws(() => encodePacket(0 as PacketType), ProtocolError);
    assert.throws(() => encodePacket(6 as PacketType), ProtocolError);
    assert.throws(() => encodePacket(PacketType.Data, new Uint8Array(MAX_BODY_LEN + 1)), /exceeds/);
    assert.equal(encodePacket(PacketType.Data, new Uint8Array(MAX_BODY_LEN)).length, MAX_BODY_LEN + 4);
  });

  const bad: [string, string, RegExp][] = [
    ["short", "040000", /shorter than its header/],
    ["type 0", "00000000", /invalid packet type 0/],
    ["type 6", "06000000", /invalid packet type 6/],
    ["length longer than the message", "0400000201", /declares a 2-byte body but carries 1/],
    ["length shorter than the message", "040000010102", /declares a 1-byte body but carries 2/],
  ];
  for (const [name, h, re] of bad) {
    it(`decodePacket refuses: ${name}`, () => assert.throws(() => decodePacket(unhex(h)), re));
  }

  it("decodePacket refuses a body over its limit", () => {
    assert.throws(() => decodePacket(unhex("0400000400000000"), 3), /exceeds the limit of 3/);
  });

  it("PacketReader splits packets cut anywhere", () => {
    const stream = Buffer.concat([
      encodePacket(PacketType.Handshake, enc.encode('{"code":200}')),
      encodePacket(PacketType.Heartbeat),
      encodePacket(PacketType.Data, unhex("04050a0141")),
      encodePacket(PacketType.Kick),
    ]);
    const want = ["1:7b22636f6465223a3230307d", "3:", "4:04050a0141", "5:"];
    const show = (ps: Packet[]): string[] => ps.map((p) => `${p.type}:${hex(p.body)}`);
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const r = new PacketReader();
        const got = [...r.push(stream.subarray(0, a)), ...r.push(stream.subarray(a, b)), ...r.push(stream.subarray(b))];
        assert.deepEqual(show(got), want, `cut at ${a} and ${b}`);
      }
    }
    const r = new PacketReader();
    const byByte = [...stream].flatMap((c) => r.push(Uint8Array.of(c)));
    assert.deepEqual(show(byByte), want);
  });

  it("PacketReader refuses a declared body over its limit before the body arrives", () => {
    const r = new PacketReader(1024);
    assert.throws(() => r.push(unhex("04000401")), /body of 1025 bytes exceeds the limit of 1024/);
    const r2 = new PacketReader(1024);
    assert.deepEqual(r2.push(unhex("0400")), []);
    assert.throws(() => r2.push(unhex("0401")), /exceeds the limit/);
    assert.throws(() => new PacketReader().push(unhex("09000000")), /invalid packet type 9/);
  });
});

describe("messages", () => {
  const bad: [string, string, RegExp][] = [
    ["empty", "", /empty message/],
    ["type 4", "08", /invalid message type 4/],
    ["type 7", "0e", /invalid message type 7/],
    ["error flag on a push", "26066f6e43686174", /error flag/],
    ["error flag on a request", "200105616263", /error flag/],
    ["compressed route on a response", "0505", /compressed route on a response/],
    ["request ID 0", "0000016100", /request ID 0/],
    ["ID varint over 5 bytes", "04ffffffffff01", /longer than 5 bytes/],
    ["ID over uint32", "04ffffffff1f", /overflows uint32/],
    ["truncated ID", "0480", /truncated in its ID/],
    ["truncated route length", "0001", /truncated in its route length/],
    ["truncated route", "000105616263", /truncated in its route/],
    ["truncated route code", "070001".slice(0, 4), /truncated in its route code/],
  ];
  for (const [name, h, re] of bad) {
    it(`decodeMessage refuses: ${name}`, () => assert.throws(() => decodeMessage(unhex(h)), re));
  }

  it("decodeMessage ignores the unused flag bits and redundant ID bytes", () => {
    const m = decodeMessage(unhex("c4" + "8580808000" + "0a0141"));
    assert.equal(m.type, MessageType.Response);
    assert.equal(m.id, 5);
    assert.equal(hex(m.payload), "0a0141");
  });

  it("decodeMessage keeps an empty route text as it is", () => {
    const m = decodeMessage(unhex("0600" + "0a"));
    assert.equal(m.route, "");
    assert.equal(hex(m.payload), "0a");
  });

  it("round-trips the largest ID and a UTF-8 route", () => {
    const b = encodeMessage({ type: MessageType.Request, id: 0xffffffff, route: "héllo.wörld" }, Uint8Array.of(1));
    const m = decodeMessage(b);
    assert.equal(m.id, 0xffffffff);
    assert.equal(m.route, "héllo.wörld");
    assert.equal(hex(encodeDataPacket({ type: MessageType.Response, id: 1, error: true }, Uint8Array.of(9))), "0400000324" + "0109");
  });

  const refused: [string, Parameters<typeof encodeMessage>[0], RegExp][] = [
    ["empty route", { type: MessageType.Notify, route: "" }, /empty route/],
    ["route over 255 bytes", { type: MessageType.Notify, route: "a".repeat(256) }, /longer than 255/],
    ["request ID 0", { type: MessageType.Request, id: 0, route: "a.b" }, /request ID 0/],
    ["ID over uint32", { type: MessageType.Request, id: 2 ** 32, route: "a.b" }, /not a uint32/],
    ["fractional ID", { type: MessageType.Request, id: 1.5, route: "a.b" }, /not a uint32/],
    ["code over 65535", { type: MessageType.Notify, compressed: true, code: 65536 }, /invalid route code/],
    ["error flag on a request", { type: MessageType.Request, id: 1, route: "a.b", error: true }, /error flag/],
    ["type 4", { type: 4 as MessageType }, /invalid message type/],
  ];
  for (const [name, h, re] of refused) {
    it(`encodeMessage refuses: ${name}`, () => assert.throws(() => encodeMessage(h), re));
  }

  it("encodeMessage takes a 255-byte route", () => {
    const m = decodeMessage(encodeMessage({ type: MessageType.Notify, route: "r".repeat(255) }));
    assert.equal(m.route.length, 255);
  });
});

describe("handshake", () => {
  it("encodes the request", () => {
    const b = encodeHandshakeRequest({ sys: { platform: "js", libVersion: "0.1.0" }, user: { token: "t" } });
    assert.equal(new TextDecoder().decode(b), '{"sys":{"platform":"js","libVersion":"0.1.0"},"user":{"token":"t"}}');
  });

  it("decodes the response of PROTOCOL.md", () => {
    const r = decodeHandshakeResponse(enc.encode('{"code":200,"sys":{"dict":{"chat.room.join":1},"heartbeat":30,"serializer":"protobuf"}}'));
    assert.deepEqual(r, { code: 200, sys: { heartbeat: 30, dict: { "chat.room.join": 1 }, serializer: "protobuf" } });
    assert.deepEqual(decodeHandshakeResponse(enc.encode('{"code":200,"sys":{"heartbeat":1}}')).sys, {
      heartbeat: 1,
      dict: {},
      serializer: "protobuf",
    });
    assert.equal(decodeHandshakeResponse(enc.encode('{"code":200,"sys":{"heartbeat":1,"serializer":"json"}}')).sys?.serializer, "json");
    assert.deepEqual(decodeHandshakeResponse(enc.encode('{"code":400}')), { code: 400 });
    const odd = decodeHandshakeResponse(enc.encode('{"code":200,"sys":{"heartbeat":1,"dict":{"__proto__":9}}}'));
    assert.deepEqual(Object.entries(odd.sys!.dict), [["__proto__", 9]]);
  });

  const bad: [string, string, RegExp][] = [
    ["empty", "", /empty handshake response/],
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /without an integer code/],
    ["no code", '{"sys":{}}', /without an integer code/],
    ["no sys", '{"code":200}', /without sys/],
    ["heartbeat 0", '{"code":200,"sys":{"heartbeat":0}}', /not a positive integer/],
    ["fractional heartbeat", '{"code":200,"sys":{"heartbeat":1.5}}', /not a positive integer/],
    ["heartbeat as a string", '{"code":200,"sys":{"heartbeat":"30"}}', /not a positive integer/],
    ["dict code over uint16", '{"code":200,"sys":{"heartbeat":1,"dict":{"a.b":70000}}}', /not a uint16/],
    ["dict not an object", '{"code":200,"sys":{"heartbeat":1,"dict":[]}}', /dict is not an object/],
    ["unknown serializer", '{"code":200,"sys":{"heartbeat":1,"serializer":"xml"}}', /unknown serializer/],
  ];
  for (const [name, body, re] of bad) {
    it(`decodeHandshakeResponse refuses: ${name}`, () => assert.throws(() => decodeHandshakeResponse(enc.encode(body)), re));
  }

  it("kick bodies", () => {
    assert.equal(decodeKick(new Uint8Array(0)), "");
    assert.equal(decodeKick(enc.encode('{"reason":"duplicate login"}')), "duplicate login");
    assert.equal(decodeKick(enc.encode("not json")), "");
    assert.equal(decodeKick(enc.encode('{"reason":3}')), "");
    assert.equal(decodeKick(encodeKick("bye")), "bye");
    assert.equal(encodeKick("").length, 0);
  });
});

describe("error payloads", () => {
  for (const ser of ["protobuf", "json"] as const) {
    it(`round-trip under ${ser}`, () => {
      const b = encodeErrorPayload(ser, { code: "CHAT-BAD-NAME", message: "name must be 1 to 32 characters", metadata: { b: "2", a: "1" } });
      const e = decodeErrorPayload(ser, b);
      assert.ok(e instanceof GamesrvError);
      assert.equal(e.code, "CHAT-BAD-NAME");
      assert.equal(codeOf(e), "CHAT-BAD-NAME");
      assert.equal(e.message, "name must be 1 to 32 characters");
      assert.deepEqual(e.metadata, { a: "1", b: "2" });
      assert.equal(String(e), "GamesrvError: [CHAT-BAD-NAME] name must be 1 to 32 characters");
    });
    it(`refuses a payload without a code under ${ser}`, () => {
      assert.throws(() => decodeErrorPayload(ser, encodeErrorPayload(ser, { code: "", message: "m" })), /without a code/);
    });
  }
  it("refuses undecodable payloads", () => {
    assert.throws(() => decodeErrorPayload("protobuf", unhex("0a05")), /does not decode/);
    assert.throws(() => decodeErrorPayload("json", enc.encode("{")), /not JSON/);
    assert.throws(() => decodeErrorPayload("json", enc.encode("[1]")), /not a JSON object/);
  });
  it("skips unknown protobuf fields", () => {
    const b = Buffer.concat([unhex("2001"), encodeErrorPayload("protobuf", { code: "X", message: "y" })]);
    assert.equal(decodeErrorPayload("protobuf", b).code, "X");
  });
  it("codeOf", () => {
    assert.equal(codeOf(new GamesrvError("GS-404", "no handler")), "GS-404");
    assert.equal(codeOf({ name: "GamesrvError", code: "GS-500" }), "GS-500");
    assert.equal(codeOf(new Error("x")), undefined);
    assert.equal(codeOf(undefined), undefined);
    assert.equal(codeOf("GS-404"), undefined);
  });
});

describe("inflate", () => {
  it("inflates zlib", async () => {
    const data = enc.encode("hello ".repeat(1000));
    const out = await inflateZlib(deflateSync(data), 6000);
    assert.equal(Buffer.from(out).toString(), "hello ".repeat(1000));
  });
  it("refuses output over the bound", async () => {
    const bomb = deflateSync(Buffer.alloc(50 << 20)); // 50 MiB of zeros in ~50 KB
    await assert.rejects(inflateZlib(bomb, 1 << 20), /inflates beyond 1048576 bytes/);
    await assert.rejects(inflateZlib(deflateSync(Buffer.alloc(101)), 100), ProtocolError);
    assert.equal((await inflateZlib(deflateSync(Buffer.alloc(100)), 100)).length, 100);
  });
  it("refuses what is not zlib", async () => {
    await assert.rejects(inflateZlib(unhex("0a0141"), 100), /does not inflate/);
    const truncated = deflateSync(enc.encode("hello hello hello")).subarray(0, 6);
    await assert.rejects(inflateZlib(truncated, 100), ProtocolError);
  });
});
