package main

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// maxRouteLen is the longest route the wire protocol can carry.
const maxRouteLen = 255

// segmentPattern is what server types, service names and method names in
// routes must match.
var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// kind is how a method travels on the client wire protocol.
type kind int

const (
	kindRequest kind = iota
	kindNotify
	kindPush
)

// String returns "request", "notify" or "push", as used in doc comments.
func (k kind) String() string {
	return [...]string{"request", "notify", "push"}[k]
}

// fileSpec is a file to generate with its validated services.
type fileSpec struct {
	file     *protogen.File
	services []*serviceSpec
}

// serviceSpec is a service with its validated options.
type serviceSpec struct {
	proto      *protogen.Service
	names      names
	serverType string
	deprecated bool
	methods    []*methodSpec
}

// methodSpec is a method with its validated options.
type methodSpec struct {
	proto      *protogen.Method
	kind       kind
	internal   bool
	deprecated bool
	route      string
}

// isHandled reports whether the method is in the server-side handler.
func (m *methodSpec) isHandled() bool { return m.kind != kindPush }

// isClient reports whether the method is in the game-client stub.
func (m *methodSpec) isClient() bool { return m.kind != kindPush && !m.internal }

// isRemote reports whether the method is in the server-to-server stub.
func (m *methodSpec) isRemote() bool { return m.internal }

// isPush reports whether the method is a server push.
func (m *methodSpec) isPush() bool { return m.kind == kindPush }

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
// generate that has services. All user-facing errors come from here and
// start with the full proto name of the offending element.
func parseFiles(gen *protogen.Plugin) ([]*fileSpec, error) {
	var files []*fileSpec
	for _, f := range gen.Files {
		if !f.Generate || len(f.Services) == 0 {
			continue
		}
		spec, err := parseFile(f)
		if err != nil {
			return nil, err
		}
		files = append(files, spec)
	}
	if err := checkDuplicateRoutes(files); err != nil {
		return nil, err
	}
	return files, checkIdentifiers(gen, files)
}

func parseFile(f *protogen.File) (*fileSpec, error) {
	spec := &fileSpec{file: f}
	for _, s := range f.Services {
		svc, err := parseService(s)
		if err != nil {
			return nil, err
		}
		spec.services = append(spec.services, svc)
	}
	return spec, nil
}

func parseService(s *protogen.Service) (*serviceSpec, error) {
	opts, err := serviceOptions(s)
	if err != nil {
		return nil, err
	}
	svc := &serviceSpec{
		proto:      s,
		names:      newNames(s),
		serverType: opts.GetServerType(),
		deprecated: s.Desc.Options().(*descriptorpb.ServiceOptions).GetDeprecated(),
	}
	segment := cmp.Or(opts.GetName(), strings.ToLower(string(s.Desc.Name())))
	for _, m := range s.Methods {
		method, err := parseMethod(m, svc.serverType, segment)
		if err != nil {
			return nil, err
		}
		svc.methods = append(svc.methods, method)
	}
	return svc, nil
}

// serviceOptions returns the validated (gamesrv.v1.service) option of s.
func serviceOptions(s *protogen.Service) (*gamesrvv1.ServiceOptions, error) {
	name := s.Desc.FullName()
	if !proto.HasExtension(s.Desc.Options(), gamesrvv1.E_Service) {
		return nil, fmt.Errorf(`%s: option (gamesrv.v1.service) = {server_type: "..."} is required`, name)
	}
	opts := proto.GetExtension(s.Desc.Options(), gamesrvv1.E_Service).(*gamesrvv1.ServiceOptions)
	if opts.GetServerType() == "" {
		return nil, fmt.Errorf("%s: option (gamesrv.v1.service).server_type is required", name)
	}
	if err := checkSegment(name, "(gamesrv.v1.service).server_type", opts.GetServerType()); err != nil {
		return nil, err
	}
	if opts.GetName() == "" {
		return opts, nil
	}
	return opts, checkSegment(name, "(gamesrv.v1.service).name", opts.GetName())
}

func parseMethod(m *protogen.Method, serverType, serviceSegment string) (*methodSpec, error) {
	opts, err := methodOptions(m)
	if err != nil {
		return nil, err
	}
	method := &methodSpec{
		proto:      m,
		kind:       kinds[opts.GetKind()],
		internal:   opts.GetInternal(),
		deprecated: m.Desc.Options().(*descriptorpb.MethodOptions).GetDeprecated(),
	}
	method.route = opts.GetRoute()
	if method.route == "" {
		methodSegment := cmp.Or(opts.GetName(), strings.ToLower(string(m.Desc.Name())))
		method.route = serverType + "." + serviceSegment + "." + methodSegment
	} else if err := checkRouteOverride(method, serverType); err != nil {
		return nil, err
	}
	if len(method.route) > maxRouteLen {
		return nil, fmt.Errorf("%s: route %q is %d bytes long, more than %d", m.Desc.FullName(), method.route, len(method.route), maxRouteLen)
	}
	return method, nil
}

// kinds maps option values to method kinds.
var kinds = map[gamesrvv1.MethodKind]kind{
	gamesrvv1.MethodKind_METHOD_KIND_UNSPECIFIED: kindRequest,
	gamesrvv1.MethodKind_METHOD_KIND_REQUEST:     kindRequest,
	gamesrvv1.MethodKind_METHOD_KIND_NOTIFY:      kindNotify,
	gamesrvv1.MethodKind_METHOD_KIND_PUSH:        kindPush,
}

// methodOptions returns the validated (gamesrv.v1.method) option of m.
func methodOptions(m *protogen.Method) (*gamesrvv1.MethodOptions, error) {
	name := m.Desc.FullName()
	if m.Desc.IsStreamingClient() || m.Desc.IsStreamingServer() {
		return nil, fmt.Errorf("%s: streaming methods are not supported", name)
	}
	opts, _ := proto.GetExtension(m.Desc.Options(), gamesrvv1.E_Method).(*gamesrvv1.MethodOptions)
	k, ok := kinds[opts.GetKind()]
	if !ok {
		return nil, fmt.Errorf("%s: unknown (gamesrv.v1.method).kind %d", name, opts.GetKind())
	}
	if k == kindPush && opts.GetInternal() {
		return nil, fmt.Errorf("%s: push methods cannot be internal", name)
	}
	if k != kindRequest && len(m.Output.Fields) > 0 {
		return nil, fmt.Errorf("%s: the response of a %s method must be an empty message, and %s has fields",
			name, k, m.Output.Desc.FullName())
	}
	if opts.GetName() == "" {
		return opts, nil
	}
	return opts, checkSegment(name, "(gamesrv.v1.method).name", opts.GetName())
}

// checkSegment checks the value of an option that becomes a route segment.
func checkSegment(element any, option, value string) error {
	if !segmentPattern.MatchString(value) {
		return fmt.Errorf("%s: %s %q must match [A-Za-z0-9_-]+", element, option, value)
	}
	return nil
}

// checkRouteOverride checks the (gamesrv.v1.method).route of m.
func checkRouteOverride(m *methodSpec, serverType string) error {
	name, route := m.proto.Desc.FullName(), m.route
	if m.kind == kindPush {
		if strings.IndexFunc(route, unicode.IsSpace) >= 0 {
			return fmt.Errorf("%s: (gamesrv.v1.method).route %q must not contain whitespace", name, route)
		}
		return nil
	}
	segments := strings.Split(route, ".")
	if len(segments) != 3 || !allMatch(segments) {
		return fmt.Errorf(`%s: (gamesrv.v1.method).route %q must have the form "%s.<service>.<method>", each segment matching [A-Za-z0-9_-]+`,
			name, route, serverType)
	}
	if segments[0] != serverType {
		return fmt.Errorf("%s: (gamesrv.v1.method).route %q must start with the server type %q", name, route, serverType+".")
	}
	return nil
}

// allMatch reports whether every segment matches segmentPattern.
func allMatch(segments []string) bool {
	for _, s := range segments {
		if !segmentPattern.MatchString(s) {
			return false
		}
	}
	return true
}

// checkDuplicateRoutes rejects a route used by two methods of the request.
func checkDuplicateRoutes(files []*fileSpec) error {
	seen := make(map[string]*methodSpec)
	for _, f := range files {
		for _, s := range f.services {
			for _, m := range s.methods {
				if prev, ok := seen[m.route]; ok {
					return fmt.Errorf("%s: route %q is already the route of %s",
						m.proto.Desc.FullName(), m.route, prev.proto.Desc.FullName())
				}
				seen[m.route] = m
			}
		}
	}
	return nil
}

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
	if s.has((*methodSpec).isHandled) {
		ids = append(ids, s.typeIdents(n.Handler, n.UnimplementedHandler, n.RegisterHandler)...)
		ids = append(ids, s.methodIdents(n.Handler, (*methodSpec).isHandled, nil)...)
	}
	ids = append(ids, s.typeIdents(n.ServiceDesc)...)
	if s.has((*methodSpec).isClient) {
		ids = append(ids, s.typeIdents(n.Client, n.ClientConstructor, n.ClientImpl)...)
		ids = append(ids, s.methodIdents(n.Client, (*methodSpec).isClient, nil)...)
	}
	if s.has((*methodSpec).isPush) {
		ids = append(ids, s.typeIdents(n.Pusher, n.PusherConstructor, n.PusherImpl)...)
		ids = append(ids, s.typeIdents(n.PushHandler, n.UnimplementedPushHandler, n.RegisterPushHandler)...)
		ids = append(ids, s.methodIdents(n.PushHandler, (*methodSpec).isPush, nil)...)
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

// remoteExtras returns the Async and Broadcast variants of an internal
// request in the Remote stub.
func (s *serviceSpec) remoteExtras(m *methodSpec) []string {
	if m.kind != kindRequest {
		return nil
	}
	return []string{s.names.Async(m.proto), s.names.Broadcast(m.proto)}
}

// fullName returns the full proto name of m.
func (m *methodSpec) fullName() string { return string(m.proto.Desc.FullName()) }
