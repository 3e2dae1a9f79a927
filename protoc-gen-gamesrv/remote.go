package main

import (
	"strconv"

	"github.com/gamesrv/gamesrv/internal/apispec"
	"google.golang.org/protobuf/compiler/protogen"
)

func genRemote(g *protogen.GeneratedFile, s *serviceSpec) {
	genRemoteInterface(g, s)
	genRemoteConstructor(g, s)
	for _, m := range s.methods {
		if !m.isRemote() {
			continue
		}
		genRemoteMethod(g, s, m)
		if m.Kind == apispec.Request {
			genRemoteBroadcast(g, s, m)
		}
	}
}

func genRemoteInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.deprecation(s.Deprecated),
		n.Remote+" calls the internal methods of "+string(s.proto.Desc.Name())+" on other servers.",
		"The target is chosen by the route's server type and the call options.")
	g.AnnotateSymbol(n.Remote, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.Remote, " interface {")
	for _, m := range s.methods {
		if m.isRemote() {
			genRemoteInterfaceMethods(g, s, m)
		}
	}
	g.P("}")
	g.P()
}

func genRemoteInterfaceMethods(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	n, name := s.names, m.proto.GoName
	methodDoc(g, s, m, remoteMethodDoc(s, m))
	g.AnnotateSymbol(n.Remote+"."+name, protogen.Annotation{Location: m.proto.Location})
	g.P(remoteSignature(g, s, m, name))
	if m.Kind != apispec.Request {
		return
	}
	typeDoc(g, "", s.deprecation(m.Deprecated), n.Broadcast(m.proto)+" calls "+name+" on every server of type "+strconv.Quote(s.ServerType)+".")
	g.P(remoteSignature(g, s, m, n.Broadcast(m.proto)), " []", ident("Reply"), "[*", m.proto.Output.GoIdent, "]")
}

// remoteMethodDoc is the doc of a Remote method without proto comments.
func remoteMethodDoc(s *serviceSpec, m *methodSpec) string {
	server := " one server of type " + strconv.Quote(s.ServerType) + "."
	if m.Kind == apispec.Notify {
		return m.proto.GoName + " sends the " + describe(s, m) + " to" + server
	}
	return m.proto.GoName + " calls " + s.proto.GoName + "." + m.proto.GoName + " on" + server
}

// remoteSignature returns the parameters of the Remote method name calling
// m; the request method also gets its results.
func remoteSignature(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec, name string) string {
	l := s.file.locals
	params := "(" + l.ctx + " " + g.QualifiedGoIdent(contextType) + ", " + l.req + " *" + g.QualifiedGoIdent(m.proto.Input.GoIdent) +
		", " + l.opts + " ..." + g.QualifiedGoIdent(ident("CallOption")) + ")"
	if name != m.proto.GoName {
		return name + params
	}
	return name + params + " " + results(g, m)
}

func genRemoteConstructor(g *protogen.GeneratedFile, s *serviceSpec) {
	n, l := s.names, s.file.locals
	typeDoc(g, "", s.deprecation(s.Deprecated), n.RemoteConstructor+" returns a "+n.Remote+" that calls through "+l.c+".")
	g.P("func ", n.RemoteConstructor, "(", l.c, " ", ident("RemoteConn"), ") ", n.Remote, " {")
	g.P("return ", n.RemoteImpl, "{conn: ", l.c, "}")
	g.P("}")
	g.P()
	g.P("// ", n.RemoteImpl, " implements ", n.Remote, ".")
	g.P("type ", n.RemoteImpl, " struct {")
	g.P("conn ", ident("RemoteConn"))
	g.P("}")
	g.P()
}

func genRemoteMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	route, l := s.names.Route(m.proto), s.file.locals
	g.P("func (", l.c, " ", s.names.RemoteImpl, ") ", remoteSignature(g, s, m, m.proto.GoName), " {")
	if m.Kind == apispec.Notify {
		g.P("return ", l.c, ".conn.Notify(", l.ctx, ", ", route, ", ", l.req, ", ", l.opts, "...)")
	} else {
		g.P("resp := new(", m.proto.Output.GoIdent, ")")
		g.P("if err := ", l.c, ".conn.Call(", l.ctx, ", ", route, ", ", l.req, ", resp, ", l.opts, "...); err != nil {")
		g.P("return nil, err")
		g.P("}")
		g.P("return resp, nil")
	}
	g.P("}")
	g.P()
}

func genRemoteBroadcast(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	name, resp, l := s.names.Broadcast(m.proto), m.proto.Output.GoIdent, s.file.locals
	g.P("func (", l.c, " ", s.names.RemoteImpl, ") ", remoteSignature(g, s, m, name), " []", ident("Reply"), "[*", resp, "] {")
	g.P("return ", ident("Replies"), "[*", resp, "](", l.c, ".conn.Broadcast(", l.ctx, ", ", s.names.Route(m.proto), ", ", l.req, ", func() ",
		protoMessage, " { return new(", resp, ") }, ", l.opts, "...))")
	g.P("}")
	g.P()
}
