// Payload serializers: protobuf binary or JSON (protojson), as the server
// announces in its handshake.
import { create, fromBinary, fromJsonString, toBinary, toJsonString, } from "@bufbuild/protobuf";
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
/**
 * Returns the serializer called name. JSON uses protobuf-es's JSON mapping
 * (the JSON names of fields, as Go's protojson writes them) and ignores
 * unknown fields, so an older client accepts a newer server's messages;
 * registry resolves google.protobuf.Any and extensions, if they are used.
 */
export function serializerFor(name, registry) {
    return name === "json" ? jsonSerializer(registry) : protobufSerializer;
}
const protobufSerializer = {
    name: "protobuf",
    encode(schema, init) {
        return toBinary(schema, create(schema, init));
    },
    decode(schema, payload) {
        return fromBinary(schema, payload);
    },
};
function jsonSerializer(registry) {
    const write = registry ? { registry } : {};
    const read = registry ? { registry, ignoreUnknownFields: true } : { ignoreUnknownFields: true };
    return {
        name: "json",
        encode(schema, init) {
            return textEncoder.encode(toJsonString(schema, create(schema, init), write));
        },
        decode(schema, payload) {
            if (payload.length === 0)
                return create(schema);
            return fromJsonString(schema, textDecoder.decode(payload), read);
        },
    };
}
