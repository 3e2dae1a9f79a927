// Command protoc-gen-gamesrv is a protoc plugin that generates the typed Go
// API of gamesrv services: handler interfaces, route tables, game-client
// stubs, typed pushes and server-to-server stubs. It writes one
// <name>_gamesrv.pb.go beside protoc-gen-go's <name>.pb.go for every .proto
// file that declares services annotated with (gamesrv.v1.service).
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/compiler/protogen"
)

// version is the version of protoc-gen-gamesrv.
const version = "0.1.0"

// usage is printed by --help and after a bad argument.
const usage = `protoc-gen-gamesrv is a protoc plugin; run it with buf or protoc:

  buf generate        (with local: protoc-gen-gamesrv in buf.gen.yaml)
  protoc --gamesrv_out=. --gamesrv_opt=paths=source_relative x.proto

Routes must be unique among the files of one run: give the plugin
strategy: all in buf.gen.yaml (buf runs it once per directory otherwise),
and protoc all the files at once.

Options (opt: in buf.gen.yaml, --gamesrv_opt for protoc), besides
protoc-gen-go's paths, module and M:
  strict=true            every service must have the (gamesrv.v1.service)
                         option; by default services without it (gRPC,
                         Connect) are skipped

Flags:
  --version              print the version and exit
  --print-options-proto  print gamesrv/v1/options.proto, to copy into your
                         workspace (third_party/gamesrv/v1/options.proto)
  --help                 print this help and exit
`

func main() {
	if len(os.Args) > 1 {
		os.Exit(runCommand(os.Args[1:], os.Stdout, os.Stderr))
	}
	var p params
	pluginOptions(&p).Run(func(gen *protogen.Plugin) error { return generate(gen, p) })
}

// params are the plugin's own parameters.
type params struct {
	// strict is the strict option: services without the
	// (gamesrv.v1.service) option are errors instead of being skipped.
	strict bool
}

// pluginOptions returns the protogen options of the plugin, which parse
// the plugin's own parameters into p. protogen itself handles the paths,
// module and M parameters.
func pluginOptions(p *params) protogen.Options {
	return protogen.Options{ParamFunc: func(name, value string) error {
		switch name {
		case "strict":
			strict, err := strconv.ParseBool(value)
			if err != nil {
				return fmt.Errorf("invalid option %q: strict is true or false", name+"="+value)
			}
			p.strict = strict
			return nil
		}
		return fmt.Errorf("unknown option %q: protoc-gen-gamesrv takes strict, and protoc-gen-go's paths, module and M", name)
	}}
}

// runCommand handles a command-line invocation (protoc passes no
// arguments) and returns the exit code.
func runCommand(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 1 && args[0] == "--version":
		fmt.Fprintln(stdout, "protoc-gen-gamesrv", version)
	case len(args) == 1 && args[0] == "--print-options-proto":
		if _, err := stdout.Write(gamesrvv1.OptionsProto()); err != nil {
			fmt.Fprintln(stderr, "protoc-gen-gamesrv:", err)
			return 1
		}
	case len(args) == 1 && (args[0] == "--help" || args[0] == "-h"):
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "protoc-gen-gamesrv: unknown arguments %q\n\n%s", args, usage)
		return 2
	}
	return 0
}
