// The chat page: joins a room over WebSocket with the Pomelo protocol and
// protobuf payloads, shows the room's lines and members, sends lines.
//
// The WebSocket address comes from the "ws" query parameter, else from
// /config.json, which the chat server serves.

import { Client } from './pomelo.js';
import * as chat from './proto.js';

const $ = (id) => document.getElementById(id);
const ui = {
  joinForm: $('join-form'), name: $('name'), room: $('room'), join: $('join'),
  status: $('status'), messages: $('messages'), members: $('members'),
  sayForm: $('say-form'), text: $('text'), send: $('send'),
};

let wsURL = '';
let client = null;
let connecting = null;

function setStatus(text, { error = false, state } = {}) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
  if (state) document.body.dataset.state = state;
}

function setJoined(joined) {
  ui.text.disabled = !joined;
  ui.send.disabled = !joined;
}

function addLine(from, text, system = false) {
  const li = document.createElement('li');
  if (system) {
    li.className = 'system';
    li.textContent = text;
  } else {
    const who = document.createElement('span');
    who.className = 'from';
    who.textContent = `${from}:`;
    li.append(who, document.createTextNode(text));
  }
  ui.messages.append(li);
  ui.messages.scrollTop = ui.messages.scrollHeight;
}

function showMembers(members) {
  ui.members.replaceChildren(...members.map((m) => {
    const li = document.createElement('li');
    li.textContent = m;
    return li;
  }));
}

// connect returns the connected client, connecting once.
function connect() {
  if (client && !client.closed) return Promise.resolve(client);
  if (connecting) return connecting;
  const c = new Client(wsURL, {
    onClose: (reason) => {
      if (client === c) client = null;
      setJoined(false);
      setStatus(`disconnected: ${reason}`, { error: true, state: 'disconnected' });
    },
  });
  c.on('onMessage', chat.ChatMessage, (m) => addLine(m.from, m.text));
  c.on('onMembers', chat.MembersChanged, (m) => {
    showMembers(m.members);
    if (m.joined) addLine('', `${m.joined} joined ${m.room}`, true);
    if (m.left) addLine('', `${m.left} left ${m.room}`, true);
  });
  setStatus('connecting', { state: 'connecting' });
  connecting = c.connect().then(() => {
    client = c;
    setStatus('connected', { state: 'connected' });
    return c;
  }).finally(() => { connecting = null; });
  return connecting;
}

ui.joinForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = ui.name.value.trim();
  const room = ui.room.value.trim();
  ui.join.disabled = true;
  try {
    const c = await connect();
    const resp = await c.request('chat.room.join', chat.JoinRequest, { room, name }, chat.JoinResponse);
    showMembers(resp.members);
    setJoined(true);
    setStatus(`joined ${room} as ${name}`, { state: 'joined' });
    ui.text.focus();
  } catch (err) {
    setStatus(`error: ${err.message}`, { error: true, state: 'error' });
  } finally {
    ui.join.disabled = false;
  }
});

ui.sayForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = ui.text.value;
  if (!text || !client) return;
  try {
    client.notify('chat.room.say', chat.SayRequest, { text });
    ui.text.value = '';
  } catch (err) {
    setStatus(`error: ${err.message}`, { error: true, state: 'error' });
  }
});

async function start() {
  const param = new URLSearchParams(location.search).get('ws');
  try {
    if (param) {
      wsURL = param;
    } else {
      const resp = await fetch('config.json', { cache: 'no-store' });
      if (!resp.ok) throw new Error(`config.json: HTTP ${resp.status}`);
      wsURL = (await resp.json()).ws;
    }
  } catch (err) {
    setStatus(`error: no WebSocket address (${err.message})`, { error: true, state: 'error' });
    return;
  }
  ui.join.disabled = false;
  setStatus('ready', { state: 'ready' });
}

start();
