package scaffold

// goVersion is the go line of the new module's go.mod: this repository's
// (TestVersionsAreTheRepositorys checks it).
const goVersion = "1.26.0"

// npmVersions are the exact versions of the npm packages the new module's
// package.json pins.
type npmVersions struct {
	Buf, ProtocGenES, Protobuf, TypeScript, TypesNode string
}

// npmPins are this repository's versions (its root package.json; the test
// checks them), so that the new module generates and compiles with exactly
// what the repository's tests use.
var npmPins = npmVersions{
	Buf:         "1.75.0",
	ProtocGenES: "2.17.0",
	Protobuf:    "2.17.0",
	TypeScript:  "5.9.3",
	TypesNode:   "20.19.43",
}
