// Type-level checks, compiled with the tests (tsc --strict): the WebSocket
// constructors of browsers and of the ws package fit ConnectOptions, and
// Client is a Conn that generated stubs can take.

import assert from "node:assert/strict";
import { it } from "node:test";
import { WebSocket as NodeWebSocket } from "ws";
import type { Client, Conn, ConnectOptions, WebSocketConstructor } from "../src/index.js";
import { JoinRequestSchema, JoinResponseSchema, type JoinResponse } from "./gen/chat/v1/chat_pb.js";

// The DOM's WebSocket (browsers, Cocos Creator, Laya) and the ws package's.
const fromBrowser: WebSocketConstructor | undefined = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
const fromNode: ConnectOptions = { WebSocket: NodeWebSocket };

// What a generated stub does with a Conn: typed request and response.
function stub(conn: Conn): Promise<JoinResponse> {
  return conn.request("chat.room.join", JoinRequestSchema, { room: "r", name: "n" }, JoinResponseSchema);
}
const asConn = (c: Client): Conn => c;

it("types fit (checked by tsc)", () => {
  assert.equal(typeof stub, "function");
  assert.equal(typeof asConn, "function");
  assert.ok(fromNode.WebSocket);
  assert.equal(fromBrowser, undefined); // Node 20: no global
});
