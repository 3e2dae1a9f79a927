// Type-level checks, compiled with the tests (tsc --strict): the WebSocket
// constructors of browsers and of the ws package fit ConnectOptions, and
// Client is a Conn that the generated stubs of chat.proto take.

import assert from "node:assert/strict";
import { it } from "node:test";
import { WebSocket as NodeWebSocket } from "ws";
import type { Client, Conn, ConnectOptions, WebSocketConstructor } from "../src/index.js";
import {
  registerRoomServicePushHandler,
  RoomServiceClient,
  RoomServiceRoutes,
} from "../../../examples/chat/web/src/gen/chat/v1/chat_gamesrv.js";
import { JoinRequestSchema, JoinResponseSchema, type JoinResponse } from "../../../examples/chat/web/src/gen/chat/v1/chat_pb.js";

// The DOM's WebSocket (browsers, Cocos Creator, Laya) and the ws package's.
const fromBrowser: WebSocketConstructor | undefined = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
const fromNode: ConnectOptions = { WebSocket: NodeWebSocket };

// What a generated stub does with a Conn: typed request and response.
function stub(conn: Conn): Promise<JoinResponse> {
  return conn.request(RoomServiceRoutes.join, JoinRequestSchema, { room: "r", name: "n" }, JoinResponseSchema);
}
const asConn = (c: Client): Conn => c;

// The generated stubs take a Client, with typed requests, responses and pushes.
function generated(c: Client): Promise<string[]> {
  registerRoomServicePushHandler(c, { onMessage: (m) => void m.sentAtUnixMs.toString() });
  // @ts-expect-error a request is its init shape: room is a string
  void new RoomServiceClient(c).join({ room: 1 });
  return new RoomServiceClient(c).join({ room: "r", name: "n" }).then((r) => r.members);
}

it("types fit (checked by tsc)", () => {
  assert.equal(typeof stub, "function");
  assert.equal(typeof asConn, "function");
  assert.equal(typeof generated, "function");
  assert.ok(fromNode.WebSocket);
  assert.equal(fromBrowser, undefined); // Node 20: no global
});
