package apispec

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// segmentPattern is what server types, service names and method names in
// routes must match.
var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Options tune Parse. The zero value is the default of every generator.
type Options struct {
	// Strict makes every service of the files a gamesrv service: one
	// without the (gamesrv.v1.service) option is an error. By default
	// (false) such a service is skipped, so that a module can hold gRPC or
	// Connect services beside gamesrv ones; a service without the option
	// whose methods have a (gamesrv.v1.method) option is an error all the
	// same, since its author meant it for gamesrv.
	Strict bool
}

// Parse reads and validates the gamesrv options of the services of files,
// which are the files a generator was asked to generate. The result holds
// the files with gamesrv services (those with the (gamesrv.v1.service)
// option, or all services with opts.Strict), in their order; files without
// any are left out, and generators write nothing for them.
//
// The options must be decoded as the registered gamesrvv1 types, as they
// are in a CodeGeneratorRequest unmarshalled by a plugin that links
// gamesrvv1 (the generators do).
//
// Every error names the full proto name of the offending element first
// ("chat.v1.RoomService.Join: streaming methods are not supported"). Parse
// rejects: a service with the option but no server_type (with
// opts.Strict, any service without it; otherwise one whose methods have
// gamesrv options), streaming methods, unknown kinds, internal pushes,
// notifies and pushes whose response type has fields, route segments and
// overrides of the wrong form, routes over MaxRouteLen bytes, and a route
// used twice among all the gamesrv services of files.
func Parse(files []protoreflect.FileDescriptor, opts Options) ([]*File, error) {
	var specs []*File
	for _, f := range files {
		spec, err := parseFile(f, opts)
		if err != nil {
			return nil, err
		}
		if len(spec.Services) > 0 {
			specs = append(specs, spec)
		}
	}
	return specs, checkDuplicateRoutes(specs)
}

func parseFile(f protoreflect.FileDescriptor, opts Options) (*File, error) {
	spec := &File{
		Desc:       f,
		Deprecated: f.Options().(*descriptorpb.FileOptions).GetDeprecated(),
	}
	for i := range f.Services().Len() {
		s := f.Services().Get(i)
		ok, err := isGamesrvService(s, opts)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		svc, err := parseService(s)
		if err != nil {
			return nil, err
		}
		spec.Services = append(spec.Services, svc)
	}
	return spec, nil
}

// isGamesrvService reports whether s is to be generated: it has the
// (gamesrv.v1.service) option, or opts.Strict is set (and then a missing
// option is an error). A service without the option but with gamesrv
// method options is an error.
func isGamesrvService(s protoreflect.ServiceDescriptor, opts Options) (bool, error) {
	if proto.HasExtension(s.Options(), gamesrvv1.E_Service) || opts.Strict {
		return true, nil
	}
	for i := range s.Methods().Len() {
		m := s.Methods().Get(i)
		if proto.HasExtension(m.Options(), gamesrvv1.E_Method) {
			return false, fmt.Errorf(`%s: option (gamesrv.v1.service) = {server_type: "..."} is required: method %s has option (gamesrv.v1.method)`,
				s.FullName(), m.Name())
		}
	}
	return false, nil
}

func parseService(s protoreflect.ServiceDescriptor) (*Service, error) {
	opts, err := serviceOptions(s)
	if err != nil {
		return nil, err
	}
	svc := &Service{
		Desc:       s,
		ServerType: opts.GetServerType(),
		Deprecated: s.Options().(*descriptorpb.ServiceOptions).GetDeprecated(),
	}
	segment := cmp.Or(opts.GetName(), strings.ToLower(string(s.Name())))
	for i := range s.Methods().Len() {
		method, err := parseMethod(s.Methods().Get(i), svc.ServerType, segment)
		if err != nil {
			return nil, err
		}
		svc.Methods = append(svc.Methods, method)
	}
	return svc, nil
}

// serviceOptions returns the validated (gamesrv.v1.service) option of s.
func serviceOptions(s protoreflect.ServiceDescriptor) (*gamesrvv1.ServiceOptions, error) {
	name := s.FullName()
	if !proto.HasExtension(s.Options(), gamesrvv1.E_Service) {
		return nil, fmt.Errorf(`%s: option (gamesrv.v1.service) = {server_type: "..."} is required`, name)
	}
	opts, ok := proto.GetExtension(s.Options(), gamesrvv1.E_Service).(*gamesrvv1.ServiceOptions)
	if !ok {
		return nil, fmt.Errorf("%s: option (gamesrv.v1.service) is not a gamesrv.v1.ServiceOptions", name)
	}
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

func parseMethod(m protoreflect.MethodDescriptor, serverType, serviceSegment string) (*Method, error) {
	opts, err := methodOptions(m)
	if err != nil {
		return nil, err
	}
	kind, _ := kindOf(opts.GetKind()) // checked by methodOptions
	method := &Method{
		Desc:       m,
		Kind:       kind,
		Internal:   opts.GetInternal(),
		Deprecated: m.Options().(*descriptorpb.MethodOptions).GetDeprecated(),
		Route:      opts.GetRoute(),
	}
	if method.Route == "" {
		methodSegment := cmp.Or(opts.GetName(), strings.ToLower(string(m.Name())))
		method.Route = serverType + "." + serviceSegment + "." + methodSegment
	} else if err := checkRouteOverride(method, serverType); err != nil {
		return nil, err
	}
	if len(method.Route) > MaxRouteLen {
		return nil, fmt.Errorf("%s: route %q is %d bytes long, more than %d", m.FullName(), method.Route, len(method.Route), MaxRouteLen)
	}
	return method, nil
}

// kindOf returns the method kind of an option value, and false for a value
// this version does not know.
func kindOf(k gamesrvv1.MethodKind) (Kind, bool) {
	switch k {
	case gamesrvv1.MethodKind_METHOD_KIND_UNSPECIFIED, gamesrvv1.MethodKind_METHOD_KIND_REQUEST:
		return Request, true
	case gamesrvv1.MethodKind_METHOD_KIND_NOTIFY:
		return Notify, true
	case gamesrvv1.MethodKind_METHOD_KIND_PUSH:
		return Push, true
	}
	return 0, false
}

// methodOptions returns the validated (gamesrv.v1.method) option of m.
func methodOptions(m protoreflect.MethodDescriptor) (*gamesrvv1.MethodOptions, error) {
	name := m.FullName()
	if m.IsStreamingClient() || m.IsStreamingServer() {
		return nil, fmt.Errorf("%s: streaming methods are not supported", name)
	}
	opts, _ := proto.GetExtension(m.Options(), gamesrvv1.E_Method).(*gamesrvv1.MethodOptions)
	k, ok := kindOf(opts.GetKind())
	if !ok {
		return nil, fmt.Errorf("%s: unknown (gamesrv.v1.method).kind %d", name, opts.GetKind())
	}
	if k == Push && opts.GetInternal() {
		return nil, fmt.Errorf("%s: push methods cannot be internal", name)
	}
	if k != Request && m.Output().Fields().Len() > 0 {
		return nil, fmt.Errorf("%s: the response of a %s method must be an empty message, and %s has fields",
			name, k, m.Output().FullName())
	}
	if opts.GetName() == "" {
		return opts, nil
	}
	return opts, checkSegment(name, "(gamesrv.v1.method).name", opts.GetName())
}

// checkSegment checks the value of an option that becomes a route segment.
func checkSegment(element protoreflect.FullName, option, value string) error {
	if !segmentPattern.MatchString(value) {
		return fmt.Errorf("%s: %s %q must match [A-Za-z0-9_-]+", element, option, value)
	}
	return nil
}

// checkRouteOverride checks the (gamesrv.v1.method).route of m.
func checkRouteOverride(m *Method, serverType string) error {
	name, route := m.Desc.FullName(), m.Route
	if m.Kind == Push {
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

// checkDuplicateRoutes rejects a route used by two methods.
func checkDuplicateRoutes(files []*File) error {
	seen := make(map[string]*Method)
	for _, f := range files {
		for _, s := range f.Services {
			for _, m := range s.Methods {
				if prev, ok := seen[m.Route]; ok {
					return fmt.Errorf("%s: route %q is already the route of %s",
						m.Desc.FullName(), m.Route, prev.Desc.FullName())
				}
				seen[m.Route] = m
			}
		}
	}
	return nil
}
