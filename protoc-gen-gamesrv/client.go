package main

import (
	"strings"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
)

func genClient(g *protogen.GeneratedFile, s *serviceSpec) {
	genClientInterface(g, s)
	genClientConstructor(g, s)
	for _, m := range s.methods {
		if m.ClientCallable() {
			genClientMethod(g, s, m)
		}
	}
}

func genClientInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.deprecation(s.Deprecated),
		n.Client+" is the client-side API of "+string(s.proto.Desc.Name())+", for game clients and bots.")
	g.AnnotateSymbol(n.Client, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.Client, " interface {")
	for _, m := range s.methods {
		if !m.ClientCallable() {
			continue
		}
		methodDoc(g, s, m, clientMethodDoc(s, m))
		g.AnnotateSymbol(n.Client+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(stubSignature(g, s, m, m.proto.GoName))
	}
	g.P("}")
	g.P()
}

// clientMethodDoc is the doc of a client method without proto comments.
func clientMethodDoc(s *serviceSpec, m *methodSpec) string {
	if m.Kind == apispec.Notify {
		return m.proto.GoName + " sends the " + describe(s, m) + "."
	}
	return m.proto.GoName + " sends the " + describe(s, m) + " and returns its response."
}

func genClientConstructor(g *protogen.GeneratedFile, s *serviceSpec) {
	n, l := s.names, s.file.locals
	typeDoc(g, "", s.deprecation(s.Deprecated), n.ClientConstructor+" returns a "+n.Client+" that sends on "+l.c+".")
	g.P("func ", n.ClientConstructor, "(", l.c, " ", ident("ClientConn"), ") ", n.Client, " {")
	g.P("return ", n.ClientImpl, "{conn: ", l.c, "}")
	g.P("}")
	g.P()
	g.P("// ", n.ClientImpl, " implements ", n.Client, ".")
	g.P("type ", n.ClientImpl, " struct {")
	g.P("conn ", ident("ClientConn"))
	g.P("}")
	g.P()
}

func genClientMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	route, l := s.names.Route(m.proto), s.file.locals
	g.P("func (", l.c, " ", s.names.ClientImpl, ") ", stubSignature(g, s, m, m.proto.GoName), " {")
	if m.Kind == apispec.Notify {
		g.P("return ", l.c, ".conn.Notify(", l.ctx, ", ", route, ", ", l.req, ")")
	} else {
		g.P("resp := new(", m.proto.Output.GoIdent, ")")
		g.P("if err := ", l.c, ".conn.Request(", l.ctx, ", ", route, ", ", l.req, ", resp); err != nil {")
		g.P("return nil, err")
		g.P("}")
		g.P("return resp, nil")
	}
	g.P("}")
	g.P()
}

// stubSignature returns the signature of the stub method name calling m:
// a context, the request, any extra parameters, then m's results.
func stubSignature(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec, name string, extra ...string) string {
	l := s.file.locals
	params := append([]string{
		l.ctx + " " + g.QualifiedGoIdent(contextType),
		l.req + " *" + g.QualifiedGoIdent(m.proto.Input.GoIdent),
	}, extra...)
	return name + "(" + strings.Join(params, ", ") + ") " + results(g, m)
}
