// Tests of the generator. They need neither protoc nor buf: protos are
// compiled in-process by protocompile (package apispectest).
//
// Regenerate the golden files after a change with
//
//	go test ./protoc-gen-gamesrv-es -update
//
// and review the diff of testdata/golden. TestTypeCheck (typecheck_test.go)
// then checks them with tsc against protoc-gen-es's output.

package main

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"github.com/gamesrv/gamesrv/internal/golden"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// protoRoots are where test protos live: the Go plugin's, shared so that
// both generators are tested on the same services, then the TypeScript
// specific ones.
var protoRoots = []string{"../protoc-gen-gamesrv/testdata/proto", "testdata/proto"}

// imagesDir holds the descriptor sets of the test protos protocompile
// cannot compile (edition 2024): the Go plugin's, shared.
const imagesDir = "../protoc-gen-gamesrv/testdata/images"

// defaultParameter is the parameter of the golden cases: this repository
// runs protoc-gen-es with import_extension=js.
const defaultParameter = "import_extension=js"

// goldenCase is the output of one directory of protos (all its files are
// generated) for one parameter, in testdata/golden/<name>.
type goldenCase struct {
	name, dir, param string
}

// goldenCases are the cases compared with testdata/golden.
func goldenCases() []goldenCase {
	var cases []goldenCase
	for _, dir := range []string{
		"basic", "chat", "comments", "deprecatedfile", "edition2024", "editions", "game", "internal",
		"license", "mixed", "multiservice", "nested", "noservice", "notify", "optional", "pitaya",
		"proto2ext", "push", "shadow", "names", "wkt", "lobby",
	} {
		cases = append(cases, goldenCase{name: dir, dir: dir, param: defaultParameter})
	}
	return append(cases,
		goldenCase{name: "extension_ts", dir: "lobby", param: "import_extension=ts,target=ts"},
		goldenCase{name: "extension_none", dir: "lobby", param: "runtime_import=../vendor/gamesrv-client/index.js"},
	)
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			resp := respond(caseRequest(t, c))
			if resp.GetError() != "" {
				t.Fatalf("generate: %s", resp.GetError())
			}
			checkFiles(t, goldenDir(c), resp)
		})
	}
}

func TestResponseFeatures(t *testing.T) {
	for _, param := range []string{defaultParameter, "bad=option"} {
		resp := respond(caseRequest(t, goldenCase{dir: "basic", param: param}))
		if got := resp.GetSupportedFeatures(); got != features {
			t.Errorf("%s: SupportedFeatures = %d, want %d", param, got, features)
		}
	}
	resp := respond(caseRequest(t, goldenCase{dir: "editions", param: defaultParameter}))
	if got, want := resp.GetMinimumEdition(), int32(descriptorpb.Edition_EDITION_PROTO2); got != want {
		t.Errorf("MinimumEdition = %d, want %d", got, want)
	}
	if got, want := resp.GetMaximumEdition(), int32(descriptorpb.Edition_EDITION_2024); got != want {
		t.Errorf("MaximumEdition = %d, want %d", got, want)
	}
}

// TestGenerateIsDeterministic generates every golden case twice, from
// two requests built separately, and compares the responses.
func TestGenerateIsDeterministic(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			first := respond(caseRequest(t, c))
			again := respond(caseRequest(t, c))
			if len(first.GetFile()) == 0 && c.dir != "noservice" {
				t.Fatalf("generated nothing: %s", first.GetError())
			}
			if !proto.Equal(first, again) {
				t.Fatal("two runs on the same input gave different responses")
			}
		})
	}
}

// TestGoPackageIgnored: files without go_package, or with Go packages
// protoc-gen-go would refuse, generate the same TypeScript.
func TestGoPackageIgnored(t *testing.T) {
	src := func(goPackage string) map[string]string {
		return map[string]string{"a/a.proto": `syntax = "proto3";
package a;
import "gamesrv/v1/options.proto";
` + goPackage + `
message M {}
service S {
  option (gamesrv.v1.service) = {server_type: "a"};
  rpc Get(M) returns (M);
}`, "b/b.proto": `syntax = "proto3";
package b;
` + goPackage + `
message N {}`}
	}
	var want string
	for i, goPackage := range []string{"", `option go_package = "x";`, `option go_package = "example.com/same;p";`} {
		srcs := src(goPackage)
		req := apispectest.NewRequest(t, apispectest.Compile(t, apispectest.Resolver(srcs), apispectest.Paths(srcs)...), "")
		resp := respond(req)
		if resp.GetError() != "" || len(resp.GetFile()) != 1 {
			t.Fatalf("go_package %q: error %q, %d files", goPackage, resp.GetError(), len(resp.GetFile()))
		}
		if i == 0 {
			want = resp.GetFile()[0].GetContent()
		} else if got := resp.GetFile()[0].GetContent(); got != want {
			t.Errorf("go_package %q changed the output:\n%s", goPackage, golden.Diff(want, got))
		}
	}
}

func TestParameter(t *testing.T) {
	tests := []struct {
		param   string
		want    config
		wantErr string
	}{
		{param: "", want: config{runtimeImport: "@gamesrv/client"}},
		{param: "import_extension=js", want: config{importExtension: "js", runtimeImport: "@gamesrv/client"}},
		{param: "import_extension=.ts,runtime_import=./rt.js", want: config{importExtension: "ts", runtimeImport: "./rt.js"}},
		{param: "import_extension=js,import_extension=none", want: config{runtimeImport: "@gamesrv/client"}},
		{param: "import_extension=", want: config{runtimeImport: "@gamesrv/client"}},
		{param: "target=ts,,runtime_import=game-rt", want: config{runtimeImport: "game-rt"}},
		{param: "strict=true", want: config{runtimeImport: "@gamesrv/client", strict: true}},
		{param: "strict=true,strict=false", want: config{runtimeImport: "@gamesrv/client"}},
		{param: "strict=yes", wantErr: `invalid option "strict=yes": strict is true or false`},
		{param: "strict", wantErr: `invalid option "strict": strict is true or false`},
		{param: "import_extension=mjs", wantErr: `invalid option "import_extension=mjs": import_extension is js, ts or none`},
		{param: "runtime_import=", wantErr: `invalid option "runtime_import=": runtime_import needs a module specifier`},
		{param: "target=js", wantErr: `invalid option "target=js": protoc-gen-gamesrv-es generates TypeScript only (target=ts)`},
		{param: "rewrite_imports=./x/**:@y", wantErr: `unsupported option "rewrite_imports=./x/**:@y": the stubs import the _pb files where protoc-gen-es writes them without rewrite_imports`},
		{param: "paths=source_relative", wantErr: `unknown option "paths=source_relative": protoc-gen-gamesrv-es takes import_extension, runtime_import, strict and target=ts`},
	}
	for _, tt := range tests {
		got, err := parseParameter(tt.param)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parseParameter(%q) error = %v, want %s", tt.param, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseParameter(%q) = %+v, %v; want %+v", tt.param, got, err, tt.want)
		}
	}
	resp := respond(caseRequest(t, goldenCase{dir: "basic", param: "import_extension=mjs"}))
	if want := `protoc-gen-gamesrv-es: invalid option "import_extension=mjs": import_extension is js, ts or none`; resp.GetError() != want || len(resp.GetFile()) != 0 {
		t.Errorf("bad option: response error %q with %d files, want %q and none", resp.GetError(), len(resp.GetFile()), want)
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   string
		inStderr string
	}{
		{args: []string{"--version"}, stdout: "protoc-gen-gamesrv-es 0.1.0\n"},
		{args: []string{"--help"}, stdout: usage},
		{args: []string{"--nope"}, code: 2, inStderr: `unknown arguments ["--nope"]`},
		{args: []string{"--version", "x"}, code: 2, inStderr: "unknown arguments"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := runCommand(tt.args, &stdout, &stderr)
		if code != tt.code || stdout.String() != tt.stdout || !strings.Contains(stderr.String(), tt.inStderr) {
			t.Errorf("runCommand(%q) = %d, stdout %q, stderr %q; want %d, stdout %q, stderr containing %q",
				tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.inStderr)
		}
	}
}

// TestRun runs the plugin on the wire, as protoc does.
func TestRun(t *testing.T) {
	req := caseRequest(t, goldenCase{dir: "chat", param: defaultParameter})
	in, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	resp := new(pluginpb.CodeGeneratorResponse)
	if err := proto.Unmarshal(out.Bytes(), resp); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(resp, respond(req)) {
		t.Error("run wrote another response than respond returns")
	}
	if err := run(strings.NewReader("\xff"), &out); err == nil || !strings.Contains(err.Error(), "decode request") {
		t.Errorf("run on garbage: err = %v, want a decode error", err)
	}
}

func TestRelativeImport(t *testing.T) {
	tests := []struct{ importer, target, ext, want string }{
		{"chat/v1/chat_gamesrv.ts", "chat/v1/chat_pb.js", "js", "./chat_pb.js"},
		{"chat/v1/chat_gamesrv.ts", "chat/v1/chat_pb.js", "ts", "./chat_pb.ts"},
		{"chat/v1/chat_gamesrv.ts", "chat/v1/chat_pb.js", "", "./chat_pb"},
		{"game/v1/room_gamesrv.ts", "common/v1/player_pb.js", "js", "../../common/v1/player_pb.js"},
		{"game/v1/room_gamesrv.ts", "game/player_pb.js", "js", "../player_pb.js"},
		{"game/room_gamesrv.ts", "game/v1/x/player_pb.js", "js", "./v1/x/player_pb.js"},
		{"room_gamesrv.ts", "common/v1/player_pb.js", "js", "./common/v1/player_pb.js"},
		{"a/b/c_gamesrv.ts", "../vendor/rt/index.js", "js", "../../../vendor/rt/index.js"},
		{"a/c_gamesrv.ts", "rt.mjs", "", "../rt.mjs"},
	}
	for _, tt := range tests {
		if got := relativeImport(tt.importer, tt.target, tt.ext); got != tt.want {
			t.Errorf("relativeImport(%q, %q, %q) = %q, want %q", tt.importer, tt.target, tt.ext, got, tt.want)
		}
	}
}

// caseRequest compiles the protos of c.dir and builds the request.
func caseRequest(t *testing.T, c goldenCase) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	return apispectest.NewRequest(t, load(t, caseFiles(t, c.dir)...), c.param)
}

// load compiles the test protos files, or reads them from the descriptor
// sets of imagesDir.
func load(t *testing.T, files ...string) []protoreflect.FileDescriptor {
	t.Helper()
	images, err := filepath.Glob(filepath.Join(imagesDir, "*.binpb"))
	if err != nil || len(images) == 0 {
		t.Fatalf("no descriptor set in %s (%v)", imagesDir, err)
	}
	return apispectest.Load(t, apispectest.Resolver(nil, protoRoots...), images, files...)
}

// caseFiles lists the protos under dir in the proto roots.
func caseFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	for _, root := range protoRoots {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".proto") {
				rel, _ := filepath.Rel(root, path)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no protos for case %s", dir)
	}
	return files
}

// goldenDir is where the files of c are.
func goldenDir(c goldenCase) string {
	return filepath.Join("testdata", "golden", c.name)
}

// checkFiles compares the files of resp with the .golden files under dir.
// With -update it rewrites dir.
func checkFiles(t *testing.T, dir string, resp *pluginpb.CodeGeneratorResponse) {
	t.Helper()
	want := make(map[string]string)
	for _, f := range resp.GetFile() {
		want[filepath.Join(dir, filepath.FromSlash(f.GetName())+".golden")] = f.GetContent()
	}
	golden.Check(t, dir, want, *update, "go test ./protoc-gen-gamesrv-es -update")
}
