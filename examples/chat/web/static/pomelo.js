// The Pomelo/Pitaya client protocol over WebSocket (docs/PROTOCOL.md):
// packets, messages, the handshake, heartbeats and request/response
// matching. Each binary WebSocket message carries exactly one packet.

import * as proto from './proto.js';

export const PacketType = Object.freeze({ Handshake: 1, HandshakeAck: 2, Heartbeat: 3, Data: 4, Kick: 5 });
export const MessageType = Object.freeze({ Request: 0, Notify: 1, Response: 2, Push: 3 });

const HEADER_LEN = 4;
const MAX_BODY_LEN = (1 << 24) - 1;
const FLAG_ROUTE_COMPRESSED = 0x01;
const FLAG_ZLIB = 0x10;
const FLAG_ERROR = 0x20;
const MAX_ID = 0xffffffff;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

// ProtocolError reports bytes that break the wire protocol.
export class ProtocolError extends globalThis.Error {
  constructor(message) {
    super(`pomelo: ${message}`);
    this.name = 'ProtocolError';
  }
}

// PomeloError is an error response: gamesrv.v1.Error {code, msg, metadata}.
export class PomeloError extends globalThis.Error {
  constructor(code, msg, metadata = {}) {
    super(`${code}: ${msg}`);
    this.name = 'PomeloError';
    this.code = code;
    this.msg = msg;
    this.metadata = metadata;
  }
}

// encodePacket returns a packet: type, 24-bit big-endian body length, body.
export function encodePacket(type, body = new Uint8Array(0)) {
  if (body.length > MAX_BODY_LEN) throw new ProtocolError(`body of ${body.length} bytes is too large`);
  const p = new Uint8Array(HEADER_LEN + body.length);
  p[0] = type;
  p[1] = (body.length >> 16) & 0xff;
  p[2] = (body.length >> 8) & 0xff;
  p[3] = body.length & 0xff;
  p.set(body, HEADER_LEN);
  return p;
}

// decodePacket parses a WebSocket message, which must hold exactly one
// whole packet.
export function decodePacket(buf) {
  if (buf.length < HEADER_LEN) throw new ProtocolError(`message of ${buf.length} bytes has no packet header`);
  const type = buf[0];
  if (type < PacketType.Handshake || type > PacketType.Kick) throw new ProtocolError(`invalid packet type ${type}`);
  const n = (buf[1] << 16) | (buf[2] << 8) | buf[3];
  if (HEADER_LEN + n !== buf.length) {
    throw new ProtocolError(`packet declares ${n} body bytes, message holds ${buf.length - HEADER_LEN}`);
  }
  return { type, body: buf.subarray(HEADER_LEN) };
}

function appendVarint(out, v) {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

// encodeMessage returns the body of a Data packet. For Request and Notify,
// give the route and, when the handshake dictionary has it, its code.
export function encodeMessage({ type, id = 0, route = '', code, payload = new Uint8Array(0) }) {
  const head = [(type << 1) | (code !== undefined ? FLAG_ROUTE_COMPRESSED : 0)];
  if (type === MessageType.Request || type === MessageType.Response) appendVarint(head, id);
  if (type !== MessageType.Response) {
    if (code !== undefined) {
      head.push((code >> 8) & 0xff, code & 0xff);
    } else {
      const r = utf8Encoder.encode(route);
      if (r.length > 255) throw new ProtocolError(`route ${route} is longer than 255 bytes`);
      head.push(r.length, ...r);
    }
  }
  const body = new Uint8Array(head.length + payload.length);
  body.set(head);
  body.set(payload, head.length);
  return body;
}

// decodeMessage parses the body of a Data packet.
export function decodeMessage(body) {
  if (body.length < 1) throw new ProtocolError('empty message');
  const flag = body[0];
  const m = {
    type: (flag >> 1) & 0x07,
    routeCompressed: (flag & FLAG_ROUTE_COMPRESSED) !== 0,
    zlib: (flag & FLAG_ZLIB) !== 0,
    error: (flag & FLAG_ERROR) !== 0,
    id: 0,
    route: '',
    code: undefined,
    payload: null,
  };
  if (m.type > MessageType.Push) throw new ProtocolError(`invalid message type ${m.type}`);
  let pos = 1;
  if (m.type === MessageType.Request || m.type === MessageType.Response) {
    let shift = 1;
    for (let i = 0; ; i++) {
      if (i === 5 || pos >= body.length) throw new ProtocolError('bad message id');
      const b = body[pos++];
      m.id += (b & 0x7f) * shift;
      shift *= 0x80;
      if (b < 0x80) break;
    }
  }
  if (m.type !== MessageType.Response) {
    if (m.routeCompressed) {
      if (pos + 2 > body.length) throw new ProtocolError('truncated route code');
      m.code = (body[pos] << 8) | body[pos + 1];
      pos += 2;
    } else {
      if (pos >= body.length) throw new ProtocolError('truncated route');
      const n = body[pos++];
      if (pos + n > body.length) throw new ProtocolError('truncated route');
      m.route = utf8Decoder.decode(body.subarray(pos, pos + n));
      pos += n;
    }
  }
  m.payload = body.subarray(pos);
  return m;
}

// inflate decompresses a zlib payload (flag 0x10) with the browser's
// DecompressionStream ("deflate" is RFC 1950, zlib).
async function inflate(payload) {
  const stream = new Blob([payload]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Client is one connection to a gamesrv (or Pitaya) server over WebSocket.
//
//   const c = new Client('ws://127.0.0.1:3252/');
//   c.on('onMessage', ChatMessage, (m) => ...);
//   await c.connect();
//   const resp = await c.request('chat.room.join', JoinRequest, {room, name}, JoinResponse);
export class Client {
  constructor(url, { user = {}, onClose = () => {}, WebSocketImpl = globalThis.WebSocket } = {}) {
    this.url = url;
    this.user = user;
    this.onClose = onClose;
    this.WebSocketImpl = WebSocketImpl;
    this.ws = null;
    this.dict = {}; // route -> code, from the handshake
    this.routes = {}; // code -> route
    this.heartbeat = 0; // seconds
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, schema}
    this.handlers = new Map(); // push route -> {schema, fn}
    this.inbound = Promise.resolve(); // keeps Data messages in order across inflates
    this.lastRecv = 0;
    this.timer = null;
    this.closed = false;
  }

  // on registers the handler of a push route; fn receives the decoded message.
  on(route, schema, fn) {
    this.handlers.set(route, { schema, fn });
  }

  // connect opens the WebSocket and completes the handshake.
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new this.WebSocketImpl(this.url);
      ws.binaryType = 'arraybuffer';
      this.ws = ws;
      this.handshakeDone = { resolve, reject };
      ws.onopen = () => {
        const hs = { sys: { type: 'js-websocket', version: '0.1.0', rsa: {} }, user: this.user };
        this.sendPacket(PacketType.Handshake, utf8Encoder.encode(JSON.stringify(hs)));
      };
      ws.onmessage = (ev) => this.onMessage(ev.data);
      ws.onerror = () => {}; // followed by onclose
      ws.onclose = (ev) => this.shutdown(`closed (${ev.code}${ev.reason ? ' ' + ev.reason : ''})`);
    });
  }

  sendPacket(type, body) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(encodePacket(type, body));
  }

  onMessage(data) {
    if (!(data instanceof ArrayBuffer)) {
      this.fail(new ProtocolError('text message'));
      return;
    }
    this.lastRecv = Date.now();
    let packet;
    try {
      packet = decodePacket(new Uint8Array(data));
    } catch (err) {
      this.fail(err);
      return;
    }
    switch (packet.type) {
      case PacketType.Handshake:
        this.onHandshake(packet.body);
        break;
      case PacketType.Heartbeat:
        break;
      case PacketType.Data: {
        const body = packet.body.slice();
        this.inbound = this.inbound.then(() => this.onData(body)).catch((err) => this.fail(err));
        break;
      }
      case PacketType.Kick: {
        let reason = 'kicked';
        if (packet.body.length > 0) {
          try {
            reason = `kicked: ${JSON.parse(utf8Decoder.decode(packet.body)).reason}`;
          } catch {
            // an unreadable reason is still a kick
          }
        }
        this.shutdown(reason);
        break;
      }
      default:
        this.fail(new ProtocolError(`unexpected packet type ${packet.type}`));
    }
  }

  onHandshake(body) {
    let resp;
    try {
      resp = JSON.parse(utf8Decoder.decode(body));
    } catch {
      this.fail(new ProtocolError('bad handshake response'));
      return;
    }
    if (resp.code !== 200) {
      this.fail(new globalThis.Error(`handshake refused with code ${resp.code}`));
      return;
    }
    const sys = resp.sys || {};
    if (sys.serializer && sys.serializer !== 'protobuf') {
      this.fail(new globalThis.Error(`serializer ${sys.serializer} is not supported`));
      return;
    }
    this.dict = sys.dict || {};
    this.routes = Object.fromEntries(Object.entries(this.dict).map(([route, code]) => [code, route]));
    this.heartbeat = sys.heartbeat || 0;
    this.sendPacket(PacketType.HandshakeAck);
    if (this.heartbeat > 0) {
      this.timer = setInterval(() => this.tick(), this.heartbeat * 1000);
    }
    const done = this.handshakeDone;
    this.handshakeDone = null;
    done?.resolve();
  }

  // tick sends a heartbeat and closes a connection the server left silent
  // for two heartbeat intervals.
  tick() {
    if (Date.now() - this.lastRecv > 2 * this.heartbeat * 1000) {
      this.fail(new globalThis.Error('server timeout'));
      return;
    }
    this.sendPacket(PacketType.Heartbeat);
  }

  async onData(body) {
    const m = decodeMessage(body);
    let payload = m.payload;
    if (m.zlib) payload = await inflate(payload);
    if (m.type === MessageType.Response) {
      const p = this.pending.get(m.id);
      if (!p) return; // a late answer to a request given up
      this.pending.delete(m.id);
      if (m.error) {
        const e = proto.decode(proto.Error, payload);
        p.reject(new PomeloError(e.code, e.msg, e.metadata));
      } else {
        p.resolve(proto.decode(p.schema, payload));
      }
      return;
    }
    if (m.type !== MessageType.Push) throw new ProtocolError(`server sent message type ${m.type}`);
    const route = m.routeCompressed ? this.routes[m.code] : m.route;
    if (route === undefined) throw new ProtocolError(`push with unknown route code ${m.code}`);
    const h = this.handlers.get(route);
    if (h) h.fn(proto.decode(h.schema, payload));
  }

  // route returns the fields of a message's route: its dictionary code
  // when the server gave one, else the string.
  routeOf(route) {
    const code = this.dict[route];
    return code !== undefined ? { code, route } : { route };
  }

  // request sends a Request and resolves with the decoded response, or
  // rejects with a PomeloError.
  request(route, reqSchema, req, respSchema) {
    if (this.closed || !this.ws) return Promise.reject(new globalThis.Error('not connected'));
    const id = this.nextId;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, schema: respSchema });
      const body = encodeMessage({ type: MessageType.Request, id, ...this.routeOf(route), payload: proto.encode(reqSchema, req) });
      this.sendPacket(PacketType.Data, body);
    });
  }

  // notify sends a Notify: no answer.
  notify(route, schema, msg) {
    if (this.closed || !this.ws) throw new globalThis.Error('not connected');
    const body = encodeMessage({ type: MessageType.Notify, ...this.routeOf(route), payload: proto.encode(schema, msg) });
    this.sendPacket(PacketType.Data, body);
  }

  close() {
    this.shutdown('closed by the client');
  }

  fail(err) {
    this.shutdown(err.message);
  }

  // shutdown ends the connection once: pending requests and the handshake
  // are rejected with the reason.
  shutdown(reason) {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.ws && this.ws.readyState <= 1) this.ws.close(1000);
    const err = new globalThis.Error(reason);
    this.handshakeDone?.reject(err);
    this.handshakeDone = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.onClose(reason);
  }
}
