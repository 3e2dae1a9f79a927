'use strict';
// chat.js drives the gamesrv chat server (serializer json, over WebSocket)
// with pomelo-jsclient-websocket 0.1.1 and pomelo-protocol 0.1.6, both
// unmodified, under Node. Only browser globals are supplied: window,
// EventEmitter, localStorage and WebSocket (the ws package). It prints one
// "EVENT {json}" line per observation on stdout; pomelojs_test.go runs it
// and checks them. The script itself only fails on a timeout or an
// exception (exit status 2 or 3, after an EVENT line saying why).
//
//   node chat.js <port> <heartbeat seconds>

const { EventEmitter } = require('events');
const WebSocket = require('ws');

const [port, heartbeat] = [Number(process.argv[2]), Number(process.argv[3] || 1)];
const WAIT_MS = 15000; // for any one answer, on a loaded machine

function emit(event, fields) {
  process.stdout.write('EVENT ' + JSON.stringify(Object.assign({ event, at: Date.now() }, fields)) + '\n');
}

process.on('uncaughtException', (err) => {
  emit('exception', { message: String(err && err.stack || err) });
  process.exit(3);
});

// The browser globals the client reads when it is loaded.
globalThis.window = globalThis;
window.EventEmitter = EventEmitter;
const storage = new Map();
window.localStorage = {
  getItem: (k) => (storage.has(k) ? storage.get(k) : null),
  setItem: (k, v) => storage.set(k, String(v)),
};
require('pomelo-protocol'); // sets window.Protocol

// newClient loads a fresh copy of the client: it keeps its socket and
// callbacks in module state, so each player needs its own copy. name labels
// the player's events; its WebSocket records the packet types it sends
// (3 is a heartbeat) and receives.
function newClient(name) {
  const path = require.resolve('pomelo-jsclient-websocket');
  delete require.cache[path];
  const pomelo = require(path);
  const player = { name, pomelo, sent: [], received: [], closed: false };
  for (const ev of ['close', 'io-error', 'error', 'heartbeat timeout']) {
    pomelo.on(ev, (e) => {
      if (ev === 'close') player.closed = true;
      emit(ev, { client: name, code: e && e.code });
    });
  }
  pomelo.on('onKick', (body) => emit('kick', { client: name, body }));
  for (const route of ['onMessage', 'onMembers']) {
    pomelo.on(route, (body) => emit('push', { client: name, route, body }));
  }
  player.ws = class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => player.received.push({ type: new Uint8Array(e.data)[0], at: Date.now() }));
    }
    send(data, ...rest) {
      player.sent.push({ type: new Uint8Array(data)[0], at: Date.now() });
      return super.send(data, ...rest);
    }
  };
  return player;
}

// within rejects when p does not settle within WAIT_MS.
function within(what, p) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out waiting for ' + what)), WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

function init(player) {
  globalThis.WebSocket = player.ws; // the client calls new WebSocket(url) in init
  return within(player.name + "'s handshake", new Promise((resolve) => {
    player.pomelo.init({ host: '127.0.0.1', port }, () => {
      emit('handshake', { client: player.name });
      resolve();
    });
  }));
}

function request(player, step, route, msg) {
  return within(step, new Promise((resolve) => {
    player.pomelo.request(route, msg, (body) => {
      emit('response', { client: player.name, step, body });
      resolve(body);
    });
  }));
}

function once(player, event, step) {
  return within(step, new Promise((resolve) => player.pomelo.once(event, resolve)));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// heartbeats reports the heartbeats a player sent and received after the
// handshake, and its longest silence (any packet sent) in that time.
function heartbeats(player, from, to) {
  const sent = player.sent.filter((p) => p.at >= from && p.at <= to);
  let longest = 0;
  let last = from;
  for (const p of sent) {
    longest = Math.max(longest, p.at - last);
    last = p.at;
  }
  longest = Math.max(longest, to - last);
  return {
    client: player.name,
    sentHeartbeats: sent.filter((p) => p.type === 3).length,
    receivedHeartbeats: player.received.filter((p) => p.type === 3 && p.at >= from && p.at <= to).length,
    longestSilenceMs: longest,
    closed: player.closed,
  };
}

async function main() {
  const room = 'interop';
  const ann = newClient('ann');
  const bob = newClient('bob');
  await init(ann);
  await request(ann, 'ann joins', 'chat.room.join', { room, name: 'ann' });
  await init(bob);
  const annSeesBob = once(ann, 'onMembers', 'ann to see bob join');
  await request(bob, 'bob joins', 'chat.room.join', { room, name: 'bob' });
  await annSeesBob;

  const line = once(ann, 'onMessage', "bob's line at ann");
  bob.pomelo.notify('chat.room.say', { text: 'hello from pomelo-jsclient-websocket' });
  await line;

  await request(ann, 'join without a room', 'chat.room.join', { room: '', name: 'ann' });
  await request(ann, 'unknown route', 'chat.room.nope', {});

  // Stay connected, answering heartbeats the client's way, for 5
  // intervals (and a half, so that a close at the end is seen).
  const quiet = Date.now();
  await sleep(5.5 * heartbeat * 1000);
  for (const p of [ann, bob]) {
    emit('heartbeats', heartbeats(p, quiet, Date.now()));
  }
  await request(ann, 'members after 5 intervals', 'chat.room.members', {});

  // A second login as ann kicks the first, with the reason.
  const carol = newClient('carol');
  await init(carol);
  const kicked = once(ann, 'onKick', 'the kick of the first ann');
  const closed = once(ann, 'close', 'the close of the first ann');
  await request(carol, 'ann logs in again', 'chat.room.join', { room, name: 'ann' });
  await kicked;
  await closed;

  bob.pomelo.disconnect();
  carol.pomelo.disconnect();
  emit('done', {});
}

main().then(
  () => process.exit(0),
  (err) => {
    emit('failed', { message: String(err && err.message || err) });
    process.exit(2);
  },
);
