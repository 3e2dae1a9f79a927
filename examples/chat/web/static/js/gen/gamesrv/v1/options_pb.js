// Custom options that turn a protobuf service into a gamesrv service.
//
// Copy this file into your own buf workspace (protoc-gen-gamesrv
// --print-options-proto prints it) and import it from your .proto files:
//
//   import "gamesrv/v1/options.proto";
//
//   service RoomService {
//     option (gamesrv.v1.service) = {server_type: "room"};
//     rpc Join(JoinRequest) returns (JoinResponse);
//     rpc Say(SayRequest) returns (SayResponse) {
//       option (gamesrv.v1.method) = {kind: METHOD_KIND_NOTIFY};
//     }
//   }
//
// Both extensions use field number 51730, from the range reserved for
// private options. Do not mark them with retention = RETENTION_SOURCE:
// protoc-gen-gamesrv would not see them.
import { enumDesc, extDesc, fileDesc, messageDesc } from "@bufbuild/protobuf/codegenv2";
import { file_google_protobuf_descriptor } from "@bufbuild/protobuf/wkt";
/**
 * Describes the file gamesrv/v1/options.proto.
 */
export const file_gamesrv_v1_options = /*@__PURE__*/ fileDesc("ChhnYW1lc3J2L3YxL29wdGlvbnMucHJvdG8SCmdhbWVzcnYudjEiMwoOU2VydmljZU9wdGlvbnMSEwoLc2VydmVyX3R5cGUYASABKAkSDAoEbmFtZRgCIAEoCSJkCg1NZXRob2RPcHRpb25zEiQKBGtpbmQYASABKA4yFi5nYW1lc3J2LnYxLk1ldGhvZEtpbmQSEAoIaW50ZXJuYWwYAiABKAgSDAoEbmFtZRgDIAEoCRINCgVyb3V0ZRgEIAEoCSpwCgpNZXRob2RLaW5kEhsKF01FVEhPRF9LSU5EX1VOU1BFQ0lGSUVEEAASFwoTTUVUSE9EX0tJTkRfUkVRVUVTVBABEhYKEk1FVEhPRF9LSU5EX05PVElGWRACEhQKEE1FVEhPRF9LSU5EX1BVU0gQAzpXCgdzZXJ2aWNlEh8uZ29vZ2xlLnByb3RvYnVmLlNlcnZpY2VPcHRpb25zGJKUAyABKAsyGi5nYW1lc3J2LnYxLlNlcnZpY2VPcHRpb25zUgdzZXJ2aWNlOlMKBm1ldGhvZBIeLmdvb2dsZS5wcm90b2J1Zi5NZXRob2RPcHRpb25zGJKUAyABKAsyGS5nYW1lc3J2LnYxLk1ldGhvZE9wdGlvbnNSBm1ldGhvZEI3WjVnaXRodWIuY29tL2dhbWVzcnYvZ2FtZXNydi9wcm90by9nYW1lc3J2L3YxO2dhbWVzcnZ2MWIGcHJvdG8z", [file_google_protobuf_descriptor]);
/**
 * Describes the message gamesrv.v1.ServiceOptions.
 * Use `create(ServiceOptionsSchema)` to create a new message.
 */
export const ServiceOptionsSchema = /*@__PURE__*/ messageDesc(file_gamesrv_v1_options, 0);
/**
 * Describes the message gamesrv.v1.MethodOptions.
 * Use `create(MethodOptionsSchema)` to create a new message.
 */
export const MethodOptionsSchema = /*@__PURE__*/ messageDesc(file_gamesrv_v1_options, 1);
/**
 * MethodKind says how a method travels on the client wire protocol.
 *
 * @generated from enum gamesrv.v1.MethodKind
 */
export var MethodKind;
(function (MethodKind) {
    /**
     * A request: the client sends a Request and gets a Response or an error.
     * This is the default.
     *
     * @generated from enum value: METHOD_KIND_UNSPECIFIED = 0;
     */
    MethodKind[MethodKind["UNSPECIFIED"] = 0] = "UNSPECIFIED";
    /**
     * A request, spelled out. Same as METHOD_KIND_UNSPECIFIED.
     *
     * @generated from enum value: METHOD_KIND_REQUEST = 1;
     */
    MethodKind[MethodKind["REQUEST"] = 1] = "REQUEST";
    /**
     * A notify: the client sends a Notify and gets no reply. The method's
     * response type is ignored and should be an empty message.
     *
     * @generated from enum value: METHOD_KIND_NOTIFY = 2;
     */
    MethodKind[MethodKind["NOTIFY"] = 2] = "NOTIFY";
    /**
     * A push: the server sends the request message to clients. The method's
     * response type is ignored and should be an empty message.
     *
     * @generated from enum value: METHOD_KIND_PUSH = 3;
     */
    MethodKind[MethodKind["PUSH"] = 3] = "PUSH";
})(MethodKind || (MethodKind = {}));
/**
 * Describes the enum gamesrv.v1.MethodKind.
 */
export const MethodKindSchema = /*@__PURE__*/ enumDesc(file_gamesrv_v1_options, 0);
/**
 * gamesrv options of a service.
 *
 * @generated from extension: gamesrv.v1.ServiceOptions service = 51730;
 */
export const service = /*@__PURE__*/ extDesc(file_gamesrv_v1_options, 0);
/**
 * gamesrv options of a method.
 *
 * @generated from extension: gamesrv.v1.MethodOptions method = 51730;
 */
export const method = /*@__PURE__*/ extDesc(file_gamesrv_v1_options, 1);
