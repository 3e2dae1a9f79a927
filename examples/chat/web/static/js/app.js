// The chat page: joins a room over WebSocket with @gamesrv/client and the
// stubs generated from chat.proto (src/gen, make generate), shows the
// room's lines and members, sends lines.
//
// The WebSocket address comes from the "ws" query parameter, else from
// /config.json, which the chat server serves. Compiled by tsc to plain ES
// modules (make web); the import map in index.html resolves
// @gamesrv/client and @bufbuild/protobuf.
import { Client, codeOf, describeCloseReason } from "@gamesrv/client";
import { registerRoomServicePushHandler, RoomServiceClient } from "./gen/chat/v1/chat_gamesrv.js";
/** The element of id, which index.html must have. */
function $(id) {
    const el = document.getElementById(id);
    if (!el)
        throw new Error(`index.html has no #${id}`);
    return el;
}
const ui = {
    joinForm: $("join-form"),
    name: $("name"),
    room: $("room"),
    join: $("join"),
    status: $("status"),
    messages: $("messages"),
    members: $("members"),
    sayForm: $("say-form"),
    text: $("text"),
    send: $("send"),
};
let wsURL = "";
let rooms = null; // set while connected
let connecting = null;
function setStatus(text, state, error = false) {
    ui.status.textContent = text;
    ui.status.classList.toggle("error", error);
    document.body.dataset.state = state;
}
/** Shows err in the status line: "error: [CHAT-BAD-NAME] ..." for a coded error. */
function showError(err) {
    const code = codeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    setStatus(code ? `error: [${code}] ${message}` : `error: ${message}`, "error", true);
}
function setJoined(joined) {
    ui.text.disabled = !joined;
    ui.send.disabled = !joined;
}
function addLine(from, text, system = false) {
    const li = document.createElement("li");
    if (system) {
        li.className = "system";
        li.textContent = text;
    }
    else {
        const who = document.createElement("span");
        who.className = "from";
        who.textContent = `${from}:`;
        li.append(who, document.createTextNode(text));
    }
    ui.messages.append(li);
    ui.messages.scrollTop = ui.messages.scrollHeight;
}
function showMembers(members) {
    ui.members.replaceChildren(...members.map((m) => {
        const li = document.createElement("li");
        li.textContent = m;
        return li;
    }));
}
/** Returns the room service of the connection, connecting once. */
function connect() {
    if (rooms)
        return Promise.resolve(rooms);
    if (connecting)
        return connecting;
    const c = new Client(wsURL);
    // Registered before the handshake: no push is missed.
    registerRoomServicePushHandler(c, {
        onMessage: (m) => addLine(m.from, m.text),
        onMembers: (m) => {
            showMembers(m.members);
            if (m.joined)
                addLine("", `${m.joined} joined ${m.room}`, true);
            if (m.left)
                addLine("", `${m.left} left ${m.room}`, true);
        },
    });
    const service = new RoomServiceClient(c);
    c.onClose((reason) => {
        if (rooms === service)
            rooms = null;
        setJoined(false);
        setStatus(`disconnected: ${describeCloseReason(reason)}`, "disconnected", true);
    });
    setStatus("connecting", "connecting");
    connecting = c
        .connect()
        .then(() => {
        rooms = service;
        setStatus("connected", "connected");
        return service;
    })
        .finally(() => {
        connecting = null;
    });
    return connecting;
}
ui.joinForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const name = ui.name.value.trim();
    const room = ui.room.value.trim();
    ui.join.disabled = true;
    try {
        const service = await connect();
        const res = await service.join({ room, name });
        showMembers(res.members);
        setJoined(true);
        setStatus(`joined ${room} as ${name}`, "joined");
        ui.text.focus();
    }
    catch (err) {
        showError(err);
    }
    finally {
        ui.join.disabled = false;
    }
});
ui.sayForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = ui.text.value;
    if (!text || !rooms)
        return;
    ui.text.value = "";
    rooms.say({ text }).catch(showError);
});
/** Finds the WebSocket address, then enables the join button. */
async function start() {
    const param = new URLSearchParams(location.search).get("ws");
    try {
        if (param) {
            wsURL = param;
        }
        else {
            const resp = await fetch("config.json", { cache: "no-store" });
            if (!resp.ok)
                throw new Error(`config.json: HTTP ${resp.status}`);
            wsURL = (await resp.json()).ws;
        }
    }
    catch (err) {
        setStatus(`error: no WebSocket address (${err instanceof Error ? err.message : String(err)})`, "error", true);
        return;
    }
    ui.join.disabled = false;
    setStatus("ready", "ready");
}
void start();
