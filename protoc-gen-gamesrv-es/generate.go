package main

import (
	"fmt"
	"strings"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// features are the protoc features the plugin supports.
const features = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL |
	pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)

// respond runs the generator on req and returns its response; an invalid
// option or service becomes the response's error, and then no file is
// generated.
func respond(req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	cfg, err := parseParameter(req.GetParameter())
	if err != nil {
		return errorResponse(err)
	}
	gen, err := protogen.Options{}.New(withGoPackages(req))
	if err != nil {
		return errorResponse(err)
	}
	if err := generate(gen, cfg); err != nil {
		gen.Error(err)
	}
	return gen.Response()
}

func errorResponse(err error) *pluginpb.CodeGeneratorResponse {
	return &pluginpb.CodeGeneratorResponse{
		Error:             proto.String("protoc-gen-gamesrv-es: " + err.Error()),
		SupportedFeatures: proto.Uint64(features),
	}
}

// withGoPackages returns a copy of req that protogen accepts whatever the
// files' Go options: protogen, used here for its descriptors and output
// files, insists on a Go import path per file, which files written for
// TypeScript need not have. Each file gets one of its own; the parameter,
// parsed by parseParameter, is dropped.
func withGoPackages(req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorRequest {
	req = proto.CloneOf(req)
	req.Parameter = nil
	for i, f := range req.GetProtoFile() {
		if f.Options == nil {
			f.Options = new(descriptorpb.FileOptions)
		}
		f.Options.GoPackage = proto.String(fmt.Sprintf("gamesrv.invalid/f%d;f%d", i, i))
	}
	return req
}

// generate writes one <name>_gamesrv.ts for every file to generate whose
// gamesrv services have client-visible methods. Services without the
// (gamesrv.v1.service) option are skipped (errors with strict=true).
// Nothing is written if any file is invalid.
func generate(gen *protogen.Plugin, cfg config) error {
	gen.SupportedFeatures = features
	gen.SupportedEditionsMinimum = descriptorpb.Edition_EDITION_PROTO2
	gen.SupportedEditionsMaximum = descriptorpb.Edition_EDITION_2024
	var descs []protoreflect.FileDescriptor
	generated := make(map[string]bool)
	for _, f := range gen.Files {
		if f.Generate {
			descs = append(descs, f.Desc)
			generated[f.Desc.Path()] = true
		}
	}
	specs, err := apispec.Parse(descs, apispec.Options{Strict: cfg.strict})
	if err != nil {
		return err
	}
	compiler := apispec.CompilerVersion(gen.Request.GetCompilerVersion())
	var files []*tsFile
	for _, spec := range specs {
		f, err := newFile(spec, cfg, generated, compiler)
		if err != nil {
			return err
		}
		if len(f.services) > 0 {
			files = append(files, f)
		}
	}
	for _, f := range files {
		f.write(gen.NewGeneratedFile(f.name, ""))
	}
	return nil
}

// tsFile is a file to generate.
type tsFile struct {
	name      string // chat/v1/chat_gamesrv.ts
	spec      *apispec.File
	cfg       config
	compiler  string          // the compiler's version, for the header
	generated map[string]bool // the files protoc-gen-es generates too
	services  []*tsService    // those with client-visible methods
}

// tsService is a service with client-visible methods.
type tsService struct {
	spec    *apispec.Service
	names   names
	methods []*tsMethod // the client-visible methods
}

// tsMethod is a client-visible method.
type tsMethod struct {
	spec   *apispec.Method
	member string // join
}

// names holds the TypeScript identifiers generated for one service. It is
// the only place where they are spelled.
type names struct {
	Routes              string // RoomServiceRoutes
	Client              string // RoomServiceClient
	PushHandler         string // RoomServicePushHandler
	RegisterPushHandler string // registerRoomServicePushHandler
}

func newNames(s protoreflect.ServiceDescriptor) names {
	base := string(s.Name())
	return names{
		Routes:              base + "Routes",
		Client:              base + "Client",
		PushHandler:         base + "PushHandler",
		RegisterPushHandler: "register" + base + "PushHandler",
	}
}

// newFile prepares the output of spec and checks that the member names of
// its methods do not collide.
func newFile(spec *apispec.File, cfg config, generated map[string]bool, compiler string) (*tsFile, error) {
	f := &tsFile{
		name:      strings.TrimSuffix(spec.Desc.Path(), ".proto") + "_gamesrv.ts",
		spec:      spec,
		cfg:       cfg,
		compiler:  compiler,
		generated: generated,
	}
	for _, s := range spec.Services {
		svc := &tsService{spec: s, names: newNames(s.Desc)}
		owners := make(map[string]*apispec.Method)
		for _, m := range s.Methods {
			if !m.ClientVisible() {
				continue
			}
			member := memberName(m.Desc)
			if prev, ok := owners[member]; ok {
				return nil, fmt.Errorf("%s: generated TypeScript member %s collides with the one generated for %s",
					m.Desc.FullName(), member, prev.Desc.FullName())
			}
			owners[member] = m
			svc.methods = append(svc.methods, &tsMethod{spec: m, member: member})
		}
		if len(svc.methods) > 0 {
			f.services = append(f.services, svc)
		}
	}
	return f, nil
}

// declared returns the identifiers the file declares.
func (f *tsFile) declared() []string {
	var ids []string
	for _, s := range f.services {
		ids = append(ids, s.names.Routes)
		if s.has((*apispec.Method).ClientCallable) {
			ids = append(ids, s.names.Client)
		}
		if s.has((*apispec.Method).Pushed) {
			ids = append(ids, s.names.PushHandler, s.names.RegisterPushHandler)
		}
	}
	return ids
}

// has reports whether a client-visible method of s satisfies pred.
func (s *tsService) has(pred func(*apispec.Method) bool) bool {
	for _, m := range s.methods {
		if pred(m.spec) {
			return true
		}
	}
	return false
}
