package apispec

import (
	"fmt"

	"google.golang.org/protobuf/types/pluginpb"
)

// CompilerVersion returns the version of the compiler that sent a request,
// as generated headers print it: "v5.29.3" (protoc 29.3), "v6.30.0-rc1",
// or "(unknown)" when the request does not say (buf sends none).
func CompilerVersion(v *pluginpb.Version) string {
	if v == nil {
		return "(unknown)"
	}
	s := fmt.Sprintf("v%d.%d.%d", v.GetMajor(), v.GetMinor(), v.GetPatch())
	if v.GetSuffix() != "" {
		s += "-" + v.GetSuffix()
	}
	return s
}
