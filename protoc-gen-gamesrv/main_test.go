// Tests of the generator. They need neither protoc nor buf: protos are
// compiled in-process by protocompile.
//
// Regenerate the golden files and the fixtures after a change with
//
//	go test ./protoc-gen-gamesrv -update
//
// and review the diff of testdata/.

package main

import (
	"bytes"
	"flag"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"github.com/gamesrv/gamesrv/internal/golden"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	gengo "google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

var update = flag.Bool("update", false, "rewrite testdata/golden and testdata/gen")

// importPaths are where test protos live (gamesrv/v1/options.proto is
// compiled into gamesrvv1).
var importPaths = []string{"testdata/proto"}

// goldenCases are the directories of testdata/proto compared with
// testdata/golden.
var goldenCases = []string{
	"basic", "chat", "comments", "deprecatedfile", "edition2024", "editions", "internal", "license",
	"mixed", "multiservice", "nested", "noservice", "notify", "optional", "pitaya", "proto2ext",
	"push", "shadow",
}

// imagesDir holds the descriptor sets of the protos protocompile cannot
// compile (edition 2024), built by buf: TestImagesUpToDate checks them.
const imagesDir = "testdata/images"

// fixtureFiles are compiled into testdata/gen, with protoc-gen-go's output.
var fixtureFiles = []string{"common/v1/player.proto", "game/v1/room.proto"}

// fixtureModule makes generated files land under testdata/gen.
const fixtureModule = "module=github.com/gamesrv/gamesrv/protoc-gen-gamesrv"

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c, func(t *testing.T) {
			resp := runPlugin(t, diskResolver(), "paths=source_relative", nil, caseFiles(t, c)...)
			if resp.GetError() != "" {
				t.Fatalf("generate: %s", resp.GetError())
			}
			checkFiles(t, filepath.Join("testdata", "golden", c), resp, func(name string) string {
				return filepath.Join("testdata", "golden", filepath.FromSlash(name)+".golden")
			})
		})
	}
}

func TestFixturesUpToDate(t *testing.T) {
	resp := runPlugin(t, diskResolver(), fixtureModule, runGengo, fixtureFiles...)
	if resp.GetError() != "" {
		t.Fatalf("generate: %s", resp.GetError())
	}
	checkFiles(t, filepath.Join("testdata", "gen"), resp, filepath.FromSlash)
}

func TestResponseFeatures(t *testing.T) {
	resp := runPlugin(t, diskResolver(), "paths=source_relative", nil, "basic/basic.proto")
	wantFeatures := uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL |
		pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	if got := resp.GetSupportedFeatures(); got != wantFeatures {
		t.Errorf("SupportedFeatures = %d, want %d", got, wantFeatures)
	}
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
	for _, c := range goldenCases {
		t.Run(c, func(t *testing.T) {
			first := runPlugin(t, diskResolver(), "paths=source_relative", nil, caseFiles(t, c)...)
			again := runPlugin(t, diskResolver(), "paths=source_relative", nil, caseFiles(t, c)...)
			if len(first.GetFile()) == 0 && c != "noservice" {
				t.Fatalf("generated nothing: %s", first.GetError())
			}
			if !proto.Equal(first, again) {
				t.Fatal("two runs on the same input gave different responses")
			}
		})
	}
}

func TestUnknownParameter(t *testing.T) {
	req := newRequest(t, compile(t, diskResolver(), "basic/basic.proto"), "clients=false")
	if _, err := pluginOptions(new(params)).New(req); err == nil || !strings.Contains(err.Error(), "clients") {
		t.Errorf("New with an unknown parameter: err = %v, want an error naming it", err)
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   string
		inStderr string
	}{
		{args: []string{"--version"}, stdout: "protoc-gen-gamesrv 0.1.0\n"},
		{args: []string{"--print-options-proto"}, stdout: string(gamesrvv1.OptionsProto())},
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
	if !bytes.Contains(gamesrvv1.OptionsProto(), []byte("extend google.protobuf.ServiceOptions")) {
		t.Error("OptionsProto does not look like options.proto")
	}
}

// diskResolver resolves the protos under testdata/proto, the gamesrv
// options and the standard imports.
func diskResolver() protocompile.Resolver {
	return apispectest.Resolver(nil, importPaths...)
}

// memoryResolver resolves srcs (path → source), then what diskResolver
// resolves.
func memoryResolver(srcs map[string]string) protocompile.Resolver {
	return apispectest.Resolver(srcs, importPaths...)
}

// caseFiles lists the protos of a golden case, relative to testdata/proto.
func caseFiles(t *testing.T, c string) []string {
	t.Helper()
	var files []string
	root := filepath.Join("testdata", "proto")
	err := filepath.WalkDir(filepath.Join(root, c), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".proto") {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no protos for case %s: %v", c, err)
	}
	return files
}

// compile compiles files with source info, as protoc and buf do, or
// reads them from the images of imagesDir.
func compile(t *testing.T, r protocompile.Resolver, files ...string) []protoreflect.FileDescriptor {
	t.Helper()
	return apispectest.Load(t, r, images(t), files...)
}

// images lists the descriptor sets of imagesDir.
func images(t *testing.T) []string {
	t.Helper()
	images, err := filepath.Glob(filepath.Join(imagesDir, "*.binpb"))
	if err != nil {
		t.Fatal(err)
	}
	return images
}

// newRequest builds the request protoc or buf would send for compiled.
func newRequest(t *testing.T, compiled []protoreflect.FileDescriptor, param string) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	return apispectest.NewRequest(t, compiled, param)
}

// runPlugin compiles files and runs the plugin on them as protogen.Run
// does, running also, if not nil, before our generator.
func runPlugin(t *testing.T, r protocompile.Resolver, param string, also func(*protogen.Plugin) error, files ...string) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	return respondWith(t, newRequest(t, compile(t, r, files...), param), also)
}

// respond runs the plugin on req as protogen.Run does.
func respond(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	return respondWith(t, req, nil)
}

// respondWith runs the plugin on req as protogen.Run does, running also,
// if not nil, before our generator.
func respondWith(t *testing.T, req *pluginpb.CodeGeneratorRequest, also func(*protogen.Plugin) error) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	var p params
	plugin, err := pluginOptions(&p).New(req)
	if err != nil {
		t.Fatal(err)
	}
	if also != nil {
		if err := also(plugin); err != nil {
			t.Fatal(err)
		}
	}
	if err := generate(plugin, p); err != nil {
		plugin.Error(err)
	}
	return plugin.Response()
}

// runGengo generates protoc-gen-go's output, as buf does.
func runGengo(plugin *protogen.Plugin) error {
	for _, f := range plugin.Files {
		if f.Generate {
			gengo.GenerateFile(plugin, f)
		}
	}
	return nil
}

// checkFiles compares the files of resp with the files under dir, which
// path maps the response's file names to. With -update it rewrites dir.
func checkFiles(t *testing.T, dir string, resp *pluginpb.CodeGeneratorResponse, path func(string) string) {
	t.Helper()
	want := make(map[string]string)
	for _, f := range resp.GetFile() {
		want[path(f.GetName())] = f.GetContent()
	}
	golden.Check(t, dir, want, *update, "go test ./protoc-gen-gamesrv -update")
}
