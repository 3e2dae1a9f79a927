// Payload serializers: protobuf binary or JSON (protojson), as the server
// announces in its handshake.

import {
  create,
  fromBinary,
  fromJsonString,
  toBinary,
  toJsonString,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import type { SerializerName } from "./handshake.js";

/** Turns messages into payload bytes and back. */
export interface Serializer {
  /** The name the server announced: "protobuf" or "json". */
  readonly name: SerializerName;
  /** Encodes init (a message or its init shape) of schema. */
  encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array;
  /** Decodes a payload of schema. An empty payload is the empty message. */
  decode<D extends DescMessage>(schema: D, payload: Uint8Array): MessageShape<D>;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/**
 * Returns the serializer called name. JSON uses protobuf-es's JSON mapping
 * (the JSON names of fields, as Go's protojson writes them) and ignores
 * unknown fields, so an older client accepts a newer server's messages;
 * registry resolves google.protobuf.Any and extensions, if they are used.
 */
export function serializerFor(name: SerializerName, registry?: Registry): Serializer {
  return name === "json" ? jsonSerializer(registry) : protobufSerializer;
}

const protobufSerializer: Serializer = {
  name: "protobuf",
  encode(schema, init) {
    return toBinary(schema, create(schema, init));
  },
  decode(schema, payload) {
    return fromBinary(schema, payload);
  },
};

function jsonSerializer(registry: Registry | undefined): Serializer {
  const write = registry ? { registry } : {};
  const read = registry ? { registry, ignoreUnknownFields: true } : { ignoreUnknownFields: true };
  return {
    name: "json",
    encode(schema, init) {
      return textEncoder.encode(toJsonString(schema, create(schema, init), write));
    },
    decode(schema, payload) {
      if (payload.length === 0) return create(schema);
      return fromJsonString(schema, textDecoder.decode(payload), read);
    },
  };
}
