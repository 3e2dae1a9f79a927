package gamesrvv1

import _ "embed" // for OptionsProto

//go:embed options.proto
var optionsProto []byte

// OptionsProto returns the source of gamesrv/v1/options.proto, for users
// who need a copy in their own buf workspace (protoc-gen-gamesrv
// --print-options-proto prints it).
func OptionsProto() []byte { return append([]byte(nil), optionsProto...) }
