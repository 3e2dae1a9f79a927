package main

import (
	"strconv"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
)

// routeKinds maps method kinds to the runtime's route kinds.
var routeKinds = map[apispec.Kind]string{
	apispec.Request: "KindRequest",
	apispec.Notify:  "KindNotify",
	apispec.Push:    "KindPush",
}

func genServiceConstants(g *protogen.GeneratedFile, s *serviceSpec) {
	n, name, deprecation := s.names, s.proto.Desc.Name(), s.deprecation(s.Deprecated)
	g.P("const (")
	typeDoc(g, "", deprecation, n.ServiceName+" is the fully-qualified name of the "+string(name)+" service.")
	g.P(n.ServiceName, " = ", strconv.Quote(string(s.proto.Desc.FullName())))
	typeDoc(g, "", deprecation, n.ServerType+" is the type of server that handles "+string(name)+".")
	g.P(n.ServerType, " = ", strconv.Quote(s.ServerType))
	g.P(")")
	g.P()
}

func genRouteConstants(g *protogen.GeneratedFile, s *serviceSpec) {
	if len(s.methods) == 0 {
		return
	}
	g.P("// Routes of ", s.proto.Desc.Name(), ", as sent on the wire.")
	g.P("const (")
	for _, m := range s.methods {
		typeDoc(g, "", s.deprecation(m.Deprecated), s.names.Route(m.proto)+" is the route of the "+describe(s, m)+".")
		g.P(s.names.Route(m.proto), " = ", strconv.Quote(m.Route))
	}
	g.P(")")
	g.P()
}

func genServiceDesc(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.deprecation(s.Deprecated), n.ServiceDesc+" is the route table of "+string(s.proto.Desc.Name())+".")
	g.P("var ", n.ServiceDesc, " = ", ident("ServiceDesc"), "{")
	g.P("Name: ", n.ServiceName, ",")
	g.P("ServerType: ", n.ServerType, ",")
	g.P("Routes: []", ident("Route"), "{")
	for _, m := range s.methods {
		genRoute(g, s, m)
	}
	g.P("},")
	g.P("}")
	g.P()
}

func genRoute(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	g.P("{")
	g.P("Name: ", s.names.Route(m.proto), ",")
	g.P("Method: ", strconv.Quote(string(m.proto.Desc.Name())), ",")
	g.P("Kind: ", ident(routeKinds[m.Kind]), ",")
	if m.Internal {
		g.P("Internal: true,")
	}
	if m.Deprecated {
		g.P("Deprecated: true,")
	}
	g.P("NewRequest: func() ", protoMessage, " { return new(", m.proto.Input.GoIdent, ") },")
	switch m.Kind {
	case apispec.Push:
		genHandlePush(g, s, m)
	case apispec.Notify:
		genHandleNotify(g, s, m)
	default:
		genHandleRequest(g, s, m)
	}
	g.P("},")
}

// genHandleFunc writes the opening line of a Handle closure.
func genHandleFunc(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	l := s.file.locals
	session := l.s
	if m.Internal {
		session = "_"
	}
	g.P("Handle: func(", l.ctx, " ", contextType, ", ", l.h, " any, ", session, " ", ident("Session"), ", ", l.req, " ", protoMessage, ") (",
		protoMessage, ", error) {")
}

// handlerCall returns the call of the handler method in a Handle closure.
func handlerCall(s *serviceSpec, m *methodSpec, g *protogen.GeneratedFile) string {
	l := s.file.locals
	args := l.ctx + ", " + l.s + ", "
	if m.Internal {
		args = l.ctx + ", "
	}
	return l.h + ".(" + s.names.Handler + ")." + m.proto.GoName + "(" + args + l.req + ".(*" + g.QualifiedGoIdent(m.proto.Input.GoIdent) + "))"
}

func genHandleRequest(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	genHandleFunc(g, s, m)
	g.P("resp, err := ", handlerCall(s, m, g))
	g.P("if err != nil {")
	g.P("return nil, err")
	g.P("}")
	g.P("return resp, nil")
	g.P("},")
}

func genHandleNotify(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	genHandleFunc(g, s, m)
	g.P("return nil, ", handlerCall(s, m, g))
	g.P("},")
}

func genHandlePush(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	l := s.file.locals
	g.P("HandlePush: func(", l.ctx, " ", contextType, ", ", l.h, " any, ", l.msg, " ", protoMessage, ") {")
	g.P(l.h, ".(", s.names.PushHandler, ").", m.proto.GoName, "(", l.ctx, ", ", l.msg, ".(*", m.proto.Input.GoIdent, "))")
	g.P("},")
}
