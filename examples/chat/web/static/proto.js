// A tiny protobuf codec (proto3 wire format) for the chat example's
// messages: just enough for strings, repeated strings, int64 and
// map<string,string>. Schemas map field numbers to [name, type, repeated?].
// Unknown fields are skipped, so newer servers stay readable.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// Schemas of chat.v1 (examples/chat/proto/chat/v1/chat.proto) and
// gamesrv.v1.Error.
export const JoinRequest = { 1: ['room', 'string'], 2: ['name', 'string'] };
export const JoinResponse = { 1: ['members', 'string', 'repeated'] };
export const SayRequest = { 1: ['text', 'string'] };
export const MembersRequest = {};
export const MembersResponse = { 1: ['room', 'string'], 2: ['members', 'string', 'repeated'] };
export const LeaveRequest = {};
export const LeaveResponse = {};
export const ChatMessage = {
  1: ['room', 'string'],
  2: ['from', 'string'],
  3: ['text', 'string'],
  4: ['sentAtUnixMs', 'int64'],
};
export const MembersChanged = {
  1: ['room', 'string'],
  2: ['joined', 'string'],
  3: ['left', 'string'],
  4: ['members', 'string', 'repeated'],
};
export const Error = { 1: ['code', 'string'], 2: ['msg', 'string'], 3: ['metadata', 'map'] };
const MapEntry = { 1: ['key', 'string'], 2: ['value', 'string'] };

// Writer appends protobuf fields to a growing byte array.
class Writer {
  constructor() {
    this.buf = new Uint8Array(64);
    this.len = 0;
  }

  grow(n) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b) {
    this.grow(1);
    this.buf[this.len++] = b;
  }

  // varint writes an unsigned varint from a BigInt (0 <= v < 2^64).
  varint(v) {
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  tag(field, wireType) {
    this.varint(BigInt((field << 3) | wireType));
  }

  bytes(b) {
    this.varint(BigInt(b.length));
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  finish() {
    return this.buf.slice(0, this.len);
  }
}

// int64ToUint64 maps an int64 (Number or BigInt) to its two's complement
// varint value.
function int64ToUint64(v) {
  const b = BigInt.asIntN(64, BigInt(v));
  return BigInt.asUintN(64, b);
}

// encode serializes obj with a schema. Default values (empty strings,
// zero, empty lists) are omitted, as proto3 does.
export function encode(schema, obj = {}) {
  const w = new Writer();
  for (const [num, [name, type, repeated]] of Object.entries(schema)) {
    const field = Number(num);
    const value = obj[name];
    if (value === undefined || value === null) continue;
    if (type === 'map') {
      for (const [key, val] of Object.entries(value)) {
        w.tag(field, WIRE_BYTES);
        w.bytes(encode(MapEntry, { key, value: String(val) }));
      }
      continue;
    }
    for (const v of repeated ? value : [value]) {
      if (type === 'string') {
        if (!repeated && v === '') continue;
        w.tag(field, WIRE_BYTES);
        w.bytes(utf8Encoder.encode(String(v)));
      } else if (type === 'int64') {
        if (!repeated && BigInt(v) === 0n) continue;
        w.tag(field, WIRE_VARINT);
        w.varint(int64ToUint64(v));
      } else {
        throw new TypeError(`proto: unsupported type ${type}`);
      }
    }
  }
  return w.finish();
}

// Reader walks protobuf fields.
class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }

  done() {
    return this.pos >= this.buf.length;
  }

  // varint reads an unsigned varint as a BigInt (at most 10 bytes).
  varint() {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new RangeError('proto: truncated varint');
      const b = this.buf[this.pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
    }
    throw new RangeError('proto: varint too long');
  }

  take(n) {
    if (n < 0 || this.pos + n > this.buf.length) throw new RangeError('proto: truncated field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skip(wireType) {
    switch (wireType) {
      case WIRE_VARINT: this.varint(); break;
      case WIRE_FIXED64: this.take(8); break;
      case WIRE_BYTES: this.take(Number(this.varint())); break;
      case WIRE_FIXED32: this.take(4); break;
      default: throw new RangeError(`proto: unsupported wire type ${wireType}`);
    }
  }
}

// int64 returns a Number when it is exact, else a BigInt.
function int64(u) {
  const v = BigInt.asIntN(64, u);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

// decode parses bytes with a schema. Missing fields get their default
// value: '' for strings, 0 for int64, [] for repeated, {} for maps.
export function decode(schema, bytes) {
  const out = {};
  for (const [name, type, repeated] of Object.values(schema)) {
    out[name] = repeated ? [] : type === 'map' ? {} : type === 'int64' ? 0 : '';
  }
  const r = new Reader(bytes);
  while (!r.done()) {
    const tag = r.varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const spec = schema[field];
    if (!spec) {
      r.skip(wireType);
      continue;
    }
    const [name, type, repeated] = spec;
    let value;
    if (type === 'string' && wireType === WIRE_BYTES) {
      value = utf8Decoder.decode(r.take(Number(r.varint())));
    } else if (type === 'int64' && wireType === WIRE_VARINT) {
      value = int64(r.varint());
    } else if (type === 'map' && wireType === WIRE_BYTES) {
      const entry = decode(MapEntry, r.take(Number(r.varint())));
      out[name][entry.key] = entry.value;
      continue;
    } else {
      throw new TypeError(`proto: field ${field} (${name}) has wire type ${wireType}`);
    }
    if (repeated) out[name].push(value);
    else out[name] = value;
  }
  return out;
}
