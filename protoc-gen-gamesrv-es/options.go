package main

import (
	"fmt"
	"strconv"
	"strings"
)

// defaultRuntimeImport is the module the stubs import the runtime from.
const defaultRuntimeImport = "@gamesrv/client"

// config holds the plugin options.
type config struct {
	// importExtension is the extension of relative imports: "js", "ts",
	// or "" for none, as protoc-gen-es's import_extension.
	importExtension string
	// runtimeImport is the module Conn and CallOptions come from.
	runtimeImport string
	// strict makes services without the (gamesrv.v1.service) option
	// errors instead of being skipped (apispec.Options.Strict).
	strict bool
}

// parseParameter parses the plugin parameter: comma-separated key=value
// options. A later option overrides an earlier one.
func parseParameter(parameter string) (config, error) {
	cfg := config{runtimeImport: defaultRuntimeImport}
	for _, opt := range strings.Split(parameter, ",") {
		if opt == "" {
			continue
		}
		key, value, _ := strings.Cut(opt, "=")
		switch key {
		case "import_extension":
			ext, ok := importExtension(value)
			if !ok {
				return config{}, fmt.Errorf("invalid option %q: import_extension is js, ts or none", opt)
			}
			cfg.importExtension = ext
		case "runtime_import":
			if value == "" {
				return config{}, fmt.Errorf("invalid option %q: runtime_import needs a module specifier", opt)
			}
			cfg.runtimeImport = value
		case "strict":
			strict, err := strconv.ParseBool(value)
			if err != nil {
				return config{}, fmt.Errorf("invalid option %q: strict is true or false", opt)
			}
			cfg.strict = strict
		case "target":
			if value != "ts" {
				return config{}, fmt.Errorf("invalid option %q: protoc-gen-gamesrv-es generates TypeScript only (target=ts)", opt)
			}
		case "rewrite_imports", "map_imports", "bootstrap_wkt", "js_import_style":
			return config{}, fmt.Errorf("unsupported option %q: the stubs import the _pb files where protoc-gen-es writes them without %s", opt, key)
		default:
			return config{}, fmt.Errorf("unknown option %q: protoc-gen-gamesrv-es takes import_extension, runtime_import, strict and target=ts", opt)
		}
	}
	return cfg, nil
}

// importExtension returns the extension of an import_extension value, as
// protoc-gen-es reads it.
func importExtension(value string) (string, bool) {
	switch value {
	case "none", "":
		return "", true
	case "js", ".js":
		return "js", true
	case "ts", ".ts":
		return "ts", true
	}
	return "", false
}
