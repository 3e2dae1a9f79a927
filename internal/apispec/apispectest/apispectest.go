// Package apispectest runs the gamesrv code generators in tests without
// protoc or buf: it compiles .proto files in process with protocompile and
// builds the CodeGeneratorRequest protoc would send. It also holds the
// invalid services every generator must reject, with the exact error of
// package apispec, so that all generators are tested against one table.
package apispectest

import (
	"context"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// OptionsPath is the import path of the gamesrv options.
const OptionsPath = "gamesrv/v1/options.proto"

// Resolver resolves srcs (import path → source) first, then
// gamesrv/v1/options.proto (the copy compiled into gamesrvv1), then the
// files under importPaths, then the standard imports (google/protobuf/...).
// srcs may be nil.
func Resolver(srcs map[string]string, importPaths ...string) protocompile.Resolver {
	options := map[string]string{OptionsPath: string(gamesrvv1.OptionsProto())}
	return protocompile.WithStandardImports(protocompile.CompositeResolver{
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(srcs)},
		&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(options)},
		&protocompile.SourceResolver{ImportPaths: importPaths},
	})
}

// Compile compiles files with source info (so comments reach the
// generators), as protoc and buf do.
func Compile(t testing.TB, r protocompile.Resolver, files ...string) linker.Files {
	t.Helper()
	c := protocompile.Compiler{Resolver: r, SourceInfoMode: protocompile.SourceInfoStandard}
	compiled, err := c.Compile(context.Background(), files...)
	if err != nil {
		t.Fatalf("compile %v: %v", files, err)
	}
	return compiled
}

// Load returns the descriptors of files, in their order: compiled with r
// as Compile does, but for the files found in the descriptor sets images,
// which are read from there. The images hold what protocompile cannot
// compile (edition 2024): FileDescriptorSets with source info, every file
// after its imports, as buf build --as-file-descriptor-set writes them.
func Load(t testing.TB, r protocompile.Resolver, images []string, files ...string) []protoreflect.FileDescriptor {
	t.Helper()
	built := make(map[string]protoreflect.FileDescriptor)
	for _, image := range images {
		reg := ReadImage(t, image)
		reg.RangeFiles(func(f protoreflect.FileDescriptor) bool {
			built[f.Path()] = f
			return true
		})
	}
	var toCompile []string
	for _, f := range files {
		if built[f] == nil {
			toCompile = append(toCompile, f)
		}
	}
	if len(toCompile) > 0 {
		for _, f := range Compile(t, r, toCompile...) {
			built[f.Path()] = f
		}
	}
	descs := make([]protoreflect.FileDescriptor, len(files))
	for i, f := range files {
		descs[i] = built[f]
	}
	return descs
}

// ReadImage reads the descriptor set at path (see Load).
func ReadImage(t testing.TB, path string) *protoregistry.Files {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	set := new(descriptorpb.FileDescriptorSet)
	if err := proto.Unmarshal(b, set); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	reg, err := protodesc.NewFiles(set)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return reg
}

// NewRequest builds the request protoc or buf would send to generate
// files (from Compile or Load) with parameter param, and round-trips it
// through the wire format so that option values become the registered Go
// types rather than dynamicpb messages, as they are in a plugin.
func NewRequest[S ~[]F, F protoreflect.FileDescriptor](t testing.TB, files S, param string) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	req := &pluginpb.CodeGeneratorRequest{Parameter: proto.String(param)}
	seen := make(map[string]bool)
	for _, f := range files {
		req.FileToGenerate = append(req.FileToGenerate, f.Path())
		req.SourceFileDescriptors = append(req.SourceFileDescriptors, protodesc.ToFileDescriptorProto(f))
		req.ProtoFile = appendWithDeps(req.ProtoFile, f, seen)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out := new(pluginpb.CodeGeneratorRequest)
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// optionImporter is a file descriptor of protobuf-go that has option
// imports; protoreflect.FileDescriptor does not list them yet.
type optionImporter interface {
	OptionImports() protoreflect.FileImports
}

// appendWithDeps appends f after its dependencies, option imports
// (edition 2024's import option) included, as buf sends them.
func appendWithDeps(files []*descriptorpb.FileDescriptorProto, f protoreflect.FileDescriptor, seen map[string]bool) []*descriptorpb.FileDescriptorProto {
	if seen[f.Path()] || f.IsPlaceholder() {
		return files
	}
	seen[f.Path()] = true
	for i := range f.Imports().Len() {
		files = appendWithDeps(files, f.Imports().Get(i).FileDescriptor, seen)
	}
	if o, ok := f.(optionImporter); ok {
		for i := range o.OptionImports().Len() {
			files = appendWithDeps(files, o.OptionImports().Get(i).FileDescriptor, seen)
		}
	}
	return append(files, protodesc.ToFileDescriptorProto(f))
}

// FilesToGenerate returns the descriptors of the files req asks to
// generate, built from req as a plugin builds them.
func FilesToGenerate(t testing.TB, req *pluginpb.CodeGeneratorRequest) []protoreflect.FileDescriptor {
	t.Helper()
	files, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: req.GetProtoFile()})
	if err != nil {
		t.Fatal(err)
	}
	var descs []protoreflect.FileDescriptor
	for _, name := range req.GetFileToGenerate() {
		fd, err := files.FindFileByPath(name)
		if err != nil {
			t.Fatal(err)
		}
		descs = append(descs, fd)
	}
	return descs
}

// Paths returns the import paths of srcs, sorted.
func Paths(srcs map[string]string) []string {
	paths := slices.Collect(maps.Keys(srcs))
	slices.Sort(paths)
	return paths
}

// StrictParameter is the plugin parameter of ErrorCase.Strict.
const StrictParameter = "strict=true"

// CheckErrors runs every case through a generator: run returns the
// generator's response to the request for the case's sources (with an
// empty parameter, or StrictParameter), which must carry exactly the
// case's error and no file.
func CheckErrors(t *testing.T, cases []ErrorCase, run func(*testing.T, *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			param := ""
			if c.Strict {
				param = StrictParameter
			}
			req := NewRequest(t, Compile(t, Resolver(c.Sources), Paths(c.Sources)...), param)
			resp := run(t, req)
			if got := resp.GetError(); got != c.Want {
				t.Errorf("error:\n got %s\nwant %s", got, c.Want)
			}
			if len(resp.GetFile()) != 0 {
				t.Errorf("generated %d files despite the error", len(resp.GetFile()))
			}
		})
	}
}
