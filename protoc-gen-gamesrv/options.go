package main

import (
	"fmt"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// fileSpec is a file to generate with its validated services.
type fileSpec struct {
	*apispec.File
	file     *protogen.File
	services []*serviceSpec
	locals   locals
}

// serviceSpec is a service with its validated options (from package
// apispec) and its Go names.
type serviceSpec struct {
	*apispec.Service
	file    *fileSpec
	proto   *protogen.Service
	names   names
	methods []*methodSpec
}

// methodSpec is a method with its validated options.
type methodSpec struct {
	*apispec.Method
	proto *protogen.Method
}

// isRemote reports whether the method is in the server-to-server stub.
func (m *methodSpec) isRemote() bool { return m.Internal }

// has reports whether any method of s satisfies pred.
func (s *serviceSpec) has(pred func(*methodSpec) bool) bool {
	for _, m := range s.methods {
		if pred(m) {
			return true
		}
	}
	return false
}

// parseFiles reads and validates the gamesrv options of every file to
// generate that has gamesrv services (with package apispec, which all
// gamesrv generators share), then the Go identifiers to generate. All
// user-facing errors come from here and start with the full proto name of
// the offending element.
func parseFiles(gen *protogen.Plugin, p params) ([]*fileSpec, error) {
	var descs []protoreflect.FileDescriptor
	for _, f := range gen.Files {
		if f.Generate {
			descs = append(descs, f.Desc)
		}
	}
	specs, err := apispec.Parse(descs, apispec.Options{Strict: p.strict})
	if err != nil {
		return nil, err
	}
	files := make([]*fileSpec, len(specs))
	for i, spec := range specs {
		files[i] = newFileSpec(gen.FilesByPath[spec.Desc.Path()], spec)
	}
	return files, checkIdentifiers(gen, files)
}

// newFileSpec pairs the services and methods of spec with those of f
// (apispec keeps the methods of a service in declaration order, and only
// the gamesrv services of f).
func newFileSpec(f *protogen.File, spec *apispec.File) *fileSpec {
	file := &fileSpec{File: spec, file: f}
	for _, s := range spec.Services {
		ps := f.Services[s.Desc.Index()]
		svc := &serviceSpec{Service: s, file: file, proto: ps, names: newNames(ps)}
		for j, m := range s.Methods {
			svc.methods = append(svc.methods, &methodSpec{Method: m, proto: ps.Methods[j]})
		}
		file.services = append(file.services, svc)
	}
	file.locals = newLocals(file)
	return file
}

// deprecation returns the deprecation paragraph of a generated identifier
// of f whose own proto element is deprecated or not: as protoc-gen-go
// does, every identifier generated for a deprecated file is deprecated.
// It is empty when neither is.
func (f *fileSpec) deprecation(deprecated bool) string {
	switch {
	case f.Deprecated:
		return "// Deprecated: The entire proto file " + f.Desc.Path() + " is marked as deprecated."
	case deprecated:
		return deprecationComment
	}
	return ""
}

// deprecation returns the deprecation paragraph of an identifier
// generated for s, or for one of its methods.
func (s *serviceSpec) deprecation(deprecated bool) string { return s.file.deprecation(deprecated) }

// scope records which proto element each Go identifier of one Go package
// was generated for. Method identifiers are recorded as "Type.Method".
type scope map[string]string

// add records ident for owner, or fails if another element has it.
func (sc scope) add(ident, owner string) error {
	if prev, ok := sc[ident]; ok {
		return fmt.Errorf("%s: generated Go identifier %s collides with the one generated for %s", owner, ident, prev)
	}
	sc[ident] = owner
	return nil
}

// checkIdentifiers rejects generated identifiers that collide with each
// other or with protoc-gen-go's in the same Go package.
func checkIdentifiers(gen *protogen.Plugin, files []*fileSpec) error {
	scopes := make(map[protogen.GoImportPath]scope)
	for _, f := range gen.Files {
		if scopes[f.GoImportPath] == nil {
			scopes[f.GoImportPath] = make(scope)
		}
		addProtocGenGoIdents(scopes[f.GoImportPath], f)
	}
	for _, f := range files {
		for _, s := range f.services {
			if err := addServiceIdents(scopes[f.file.GoImportPath], s); err != nil {
				return err
			}
		}
	}
	return nil
}

// addProtocGenGoIdents records the package-level identifiers protoc-gen-go
// generates for f. Their own collisions are protoc-gen-go's concern.
func addProtocGenGoIdents(sc scope, f *protogen.File) {
	sc[f.GoDescriptorIdent.GoName] = f.Desc.Path()
	addEnumIdents(sc, f.Enums)
	addMessageIdents(sc, f.Messages)
	for _, x := range f.Extensions {
		sc["E_"+x.GoIdent.GoName] = string(x.Desc.FullName())
	}
}

func addEnumIdents(sc scope, enums []*protogen.Enum) {
	for _, e := range enums {
		owner := string(e.Desc.FullName())
		sc[e.GoIdent.GoName] = owner
		sc[e.GoIdent.GoName+"_name"] = owner
		sc[e.GoIdent.GoName+"_value"] = owner
		for _, v := range e.Values {
			sc[v.GoIdent.GoName] = string(v.Desc.FullName())
		}
	}
}

func addMessageIdents(sc scope, messages []*protogen.Message) {
	for _, m := range messages {
		sc[m.GoIdent.GoName] = string(m.Desc.FullName())
		for _, o := range m.Oneofs {
			for _, f := range o.Fields {
				sc[f.GoIdent.GoName] = string(f.Desc.FullName())
			}
		}
		for _, x := range m.Extensions {
			sc["E_"+x.GoIdent.GoName] = string(x.Desc.FullName())
		}
		addEnumIdents(sc, m.Enums)
		addMessageIdents(sc, m.Messages)
	}
}

// addServiceIdents records the identifiers generated for s.
func addServiceIdents(sc scope, s *serviceSpec) error {
	for _, id := range s.goIdents() {
		if err := sc.add(id.name, id.owner); err != nil {
			return err
		}
	}
	return nil
}

// goIdent is a generated Go identifier and the full proto name of the
// element it was generated for.
type goIdent struct{ name, owner string }

// goIdents lists the identifiers generated for s, in the order of the
// generated file.
func (s *serviceSpec) goIdents() []goIdent {
	n := s.names
	ids := s.typeIdents(n.ServiceName, n.ServerType)
	for _, m := range s.methods {
		ids = append(ids, goIdent{n.Route(m.proto), m.fullName()})
	}
	if s.has((*methodSpec).Handled) {
		ids = append(ids, s.typeIdents(n.Handler, n.UnimplementedHandler, n.RegisterHandler)...)
		ids = append(ids, s.methodIdents(n.Handler, (*methodSpec).Handled, nil)...)
	}
	ids = append(ids, s.typeIdents(n.ServiceDesc)...)
	if s.has((*methodSpec).ClientCallable) {
		ids = append(ids, s.typeIdents(n.Client, n.ClientConstructor, n.ClientImpl)...)
		ids = append(ids, s.methodIdents(n.Client, (*methodSpec).ClientCallable, nil)...)
	}
	if s.has((*methodSpec).Pushed) {
		ids = append(ids, s.typeIdents(n.Pusher, n.PusherConstructor, n.PusherImpl)...)
		ids = append(ids, s.typeIdents(n.PushHandler, n.UnimplementedPushHandler, n.RegisterPushHandler)...)
		ids = append(ids, s.methodIdents(n.PushHandler, (*methodSpec).Pushed, nil)...)
	}
	if s.has((*methodSpec).isRemote) {
		ids = append(ids, s.typeIdents(n.Remote, n.RemoteConstructor, n.RemoteImpl)...)
		ids = append(ids, s.methodIdents(n.Remote, (*methodSpec).isRemote, s.remoteExtras)...)
	}
	return ids
}

// typeIdents returns package-level identifiers owned by the service.
func (s *serviceSpec) typeIdents(idents ...string) []goIdent {
	ids := make([]goIdent, len(idents))
	for i, id := range idents {
		ids[i] = goIdent{id, string(s.proto.Desc.FullName())}
	}
	return ids
}

// methodIdents returns the methods of the generated type typeName, one per
// method of s that satisfies in, plus the extra methods generated for it.
func (s *serviceSpec) methodIdents(typeName string, in func(*methodSpec) bool, extra func(*methodSpec) []string) []goIdent {
	var ids []goIdent
	for _, m := range s.methods {
		if !in(m) {
			continue
		}
		ids = append(ids, goIdent{typeName + "." + m.proto.GoName, m.fullName()})
		if extra == nil {
			continue
		}
		for _, name := range extra(m) {
			ids = append(ids, goIdent{typeName + "." + name, m.fullName()})
		}
	}
	return ids
}

// remoteExtras returns the Broadcast variant of an internal request in
// the Remote stub.
func (s *serviceSpec) remoteExtras(m *methodSpec) []string {
	if m.Kind != apispec.Request {
		return nil
	}
	return []string{s.names.Broadcast(m.proto)}
}

// fullName returns the full proto name of m.
func (m *methodSpec) fullName() string { return string(m.proto.Desc.FullName()) }
