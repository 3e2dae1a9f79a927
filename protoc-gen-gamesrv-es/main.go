// Command protoc-gen-gamesrv-es is a protoc plugin that generates typed
// TypeScript clients of gamesrv services, for browsers, Cocos Creator,
// Laya and Node. It writes one <name>_gamesrv.ts beside protoc-gen-es's
// <name>_pb.ts for every .proto file whose gamesrv services (those with the
// (gamesrv.v1.service) option; others, gRPC or Connect, are skipped unless
// strict=true) have methods a game client sees: per service a XxxRoutes constant, a XxxClient class for the
// requests and notifies, and a XxxPushHandler interface with
// registerXxxPushHandler for the pushes. The stubs run on @gamesrv/client
// and import the message schemas protoc-gen-es generates (target=ts).
//
// Routes, kinds and validation come from package apispec, which
// protoc-gen-gamesrv uses too: the Go and TypeScript code of one .proto
// always agree on every route.
package main

import (
	"fmt"
	"io"
	"os"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

// version is the version of protoc-gen-gamesrv-es.
const version = "0.1.0"

// usage is printed by --help and after a bad argument.
const usage = `protoc-gen-gamesrv-es is a protoc plugin; run it with buf or protoc, beside
protoc-gen-es (target=ts):

  buf generate        (with local: protoc-gen-gamesrv-es in buf.gen.yaml)
  protoc --es_out=gen --es_opt=target=ts,import_extension=js \
         --gamesrv-es_out=gen --gamesrv-es_opt=import_extension=js x.proto

Routes must be unique among the files of one run: give the plugin
strategy: all in buf.gen.yaml (buf runs it once per directory otherwise),
and protoc all the files at once.

Options (opt: in buf.gen.yaml, comma-separated for protoc):
  import_extension=js|ts|none  extension of the imports of the _pb files, as
                               protoc-gen-es's option of the same name (give
                               both plugins the same value); default none
  runtime_import=SPEC          module the stubs import Conn and CallOptions
                               from; default @gamesrv/client; a path starting
                               with ./ or ../ is relative to the output
                               directory
  strict=true                  every service must have the
                               (gamesrv.v1.service) option; by default
                               services without it (gRPC, Connect) are
                               skipped
  target=ts                    accepted, so that protoc-gen-es's opt list can
                               be shared; only TypeScript is generated

Flags:
  --version              print the version and exit
  --help                 print this help and exit
`

func main() {
	if len(os.Args) > 1 {
		os.Exit(runCommand(os.Args[1:], os.Stdout, os.Stderr))
	}
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "protoc-gen-gamesrv-es:", err)
		os.Exit(1)
	}
}

// runCommand handles a command-line invocation (protoc passes no
// arguments) and returns the exit code.
func runCommand(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == "--version":
		fmt.Fprintln(stdout, "protoc-gen-gamesrv-es", version)
	case len(args) == 1 && (args[0] == "--help" || args[0] == "-h"):
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "protoc-gen-gamesrv-es: unknown arguments %q\n\n%s", args, usage)
		return 2
	}
	return 0
}

// run reads a CodeGeneratorRequest from in and writes the response to
// out. Errors in the request (bad options, invalid services) go in the
// response, as protoc expects; run fails only on I/O and wire errors.
func run(in io.Reader, out io.Writer) error {
	b, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	req := new(pluginpb.CodeGeneratorRequest)
	if err := proto.Unmarshal(b, req); err != nil {
		return fmt.Errorf("decode request: %w", err)
	}
	b, err = proto.Marshal(respond(req))
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	if _, err := out.Write(b); err != nil {
		return fmt.Errorf("write response: %w", err)
	}
	return nil
}
