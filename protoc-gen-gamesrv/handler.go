package main

import (
	"strings"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
)

func genHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.deprecation(s.Deprecated), n.Handler+" is the server-side API of "+string(s.proto.Desc.Name())+".")
	g.AnnotateSymbol(n.Handler, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.Handler, " interface {")
	for _, m := range s.methods {
		if !m.Handled() {
			continue
		}
		methodDoc(g, s, m, m.proto.GoName+" handles the "+describe(s, m)+".")
		g.AnnotateSymbol(n.Handler+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(handlerSignature(g, s, m, true))
	}
	g.P("}")
	g.P()
}

func genUnimplementedHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.deprecation(s.Deprecated),
		n.UnimplementedHandler+" returns a GS-404 error from every method.",
		"Embed it by value in your handler so that adding methods to the service",
		"does not break your build.")
	g.P("type ", n.UnimplementedHandler, " struct{}")
	g.P()
	for _, m := range s.methods {
		if m.Handled() {
			genUnimplementedMethod(g, s, m)
		}
	}
}

func genUnimplementedMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	g.P("// ", m.proto.GoName, " returns a GS-404 error.")
	g.P("func (", s.names.UnimplementedHandler, ") ", handlerSignature(g, s, m, false), " {")
	result := ""
	if m.Kind == apispec.Request {
		result = "nil, "
	}
	g.P("return ", result, ident("NewUnimplementedError"), "(", s.names.Route(m.proto), ")")
	g.P("}")
	g.P()
}

func genRegisterHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n, l := s.names, s.file.locals
	typeDoc(g, "", s.deprecation(s.Deprecated), n.RegisterHandler+" registers "+l.h+" for the routes of "+string(s.proto.Desc.Name())+".")
	g.P("func ", n.RegisterHandler, "(", l.r, " ", ident("ServiceRegistrar"), ", ", l.h, " ", n.Handler, ") error {")
	g.P("return ", l.r, ".RegisterService(&", n.ServiceDesc, ", ", l.h, ")")
	g.P("}")
	g.P()
}

// handlerSignature returns the signature of m in the handler interface,
// with or without parameter names.
func handlerSignature(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec, named bool) string {
	l := s.file.locals
	params := []string{param(named, l.ctx, g.QualifiedGoIdent(contextType))}
	if !m.Internal {
		params = append(params, param(named, l.s, g.QualifiedGoIdent(ident("Session"))))
	}
	params = append(params, param(named, l.req, "*"+g.QualifiedGoIdent(m.proto.Input.GoIdent)))
	return m.proto.GoName + "(" + strings.Join(params, ", ") + ") " + results(g, m)
}

// results returns the results of m in handlers and stubs: an error for a
// notify, the response and an error for a request.
func results(g *protogen.GeneratedFile, m *methodSpec) string {
	if m.Kind == apispec.Notify {
		return "error"
	}
	return "(*" + g.QualifiedGoIdent(m.proto.Output.GoIdent) + ", error)"
}

// param returns one parameter of a signature.
func param(named bool, name, typ string) string {
	if named {
		return name + " " + typ
	}
	return typ
}
