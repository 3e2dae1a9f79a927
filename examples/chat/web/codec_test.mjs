// Unit tests of the page's codecs against the protocol's test vectors
// (runtime/wire/testdata/vectors.json, produced by an independent
// pomelo-protocol implementation). Run: node --test examples/chat/web/
// (make test-browser runs it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { decodeMessage, decodePacket, encodeMessage, encodePacket, MessageType } from './static/pomelo.js';
import * as proto from './static/proto.js';

const vectors = JSON.parse(readFileSync(fileURLToPath(new URL('../../../runtime/wire/testdata/vectors.json', import.meta.url))));
const hex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b) => Buffer.from(b).toString('hex');

test('packets', () => {
  for (const v of vectors.packets) {
    assert.equal(toHex(encodePacket(v.type, hex(v.body_hex))), v.wire_hex, v.name);
    const p = decodePacket(hex(v.wire_hex));
    assert.equal(p.type, v.type, v.name);
    assert.equal(toHex(p.body), v.body_hex, v.name);
  }
});

test('a message must hold exactly one packet', () => {
  assert.throws(() => decodePacket(hex('0400000504050a01')), /declares 5 body bytes/);
  assert.throws(() => decodePacket(hex('03000000' + '03000000')), /declares 0 body bytes/);
  assert.throws(() => decodePacket(hex('040000')), /no packet header/);
  assert.throws(() => decodePacket(hex('09000000')), /invalid packet type/);
});

test('messages', () => {
  for (const v of vectors.messages) {
    const m = decodeMessage(hex(v.message_hex));
    assert.equal(m.type, v.type, v.name);
    assert.equal(m.zlib, v.gzip, v.name);
    if (v.type === MessageType.Request || v.type === MessageType.Response) assert.equal(m.id, v.id, v.name);
    if (v.route !== null) assert.equal(v.compressRoute ? m.code : m.route, v.route, v.name);
    assert.equal(toHex(m.payload), v.body_hex, v.name);
    if (v.gzip) continue; // the page never compresses what it sends
    const fields = { type: v.type, id: v.id, payload: hex(v.body_hex) };
    if (v.compressRoute) fields.code = v.route;
    else if (v.route !== null) fields.route = v.route;
    assert.equal(toHex(encodeMessage(fields)), v.message_hex, v.name);
  }
});

test('error responses', () => {
  for (const v of vectors.pitaya_error.filter((e) => e.packet_hex)) {
    const m = decodeMessage(decodePacket(hex(v.packet_hex)).body);
    assert.ok(m.error, v.name);
    assert.equal(m.id, v.id, v.name);
    const e = proto.decode(proto.Error, m.payload);
    assert.deepEqual(e, { code: v.code, msg: v.msg, metadata: v.metadata || {} }, v.name);
  }
});

test('protobuf', () => {
  // JoinRequest{room:"A"} from PROTOCOL.md §8, and a full round trip.
  assert.equal(toHex(proto.encode(proto.JoinRequest, { room: 'A' })), '0a0141');
  const msg = { room: 'lobby', from: 'ann', text: 'héllo 👋', sentAtUnixMs: 1767225600123 };
  assert.deepEqual(proto.decode(proto.ChatMessage, proto.encode(proto.ChatMessage, msg)), msg);
  const changed = { room: 'r', joined: 'bob', left: '', members: ['ann', 'bob'] };
  assert.deepEqual(proto.decode(proto.MembersChanged, proto.encode(proto.MembersChanged, changed)), changed);
  // int64: negative values take 10 bytes; beyond 2^53 they come back as BigInt.
  assert.equal(toHex(proto.encode(proto.ChatMessage, { sentAtUnixMs: -1 })), '20ffffffffffffffffff01');
  assert.equal(proto.decode(proto.ChatMessage, hex('20ffffffffffffffffff01')).sentAtUnixMs, -1);
  assert.equal(proto.decode(proto.ChatMessage, proto.encode(proto.ChatMessage, { sentAtUnixMs: 2n ** 62n })).sentAtUnixMs, 2n ** 62n);
  // Unknown fields of every wire type are skipped.
  const unknown = '2d01020304' + '310102030405060708' + '3a0178' + '4001';
  assert.deepEqual(proto.decode(proto.SayRequest, hex('0a0168' + unknown)), { text: 'h' });
  assert.throws(() => proto.decode(proto.SayRequest, hex('0a05')), /truncated/);
});
