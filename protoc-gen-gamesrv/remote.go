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
			genRemoteAsync(g, s, m)
			genRemoteBroadcast(g, s, m)
		}
	}
}

func genRemoteInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.Deprecated,
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
	methodDoc(g, m, remoteMethodDoc(s, m))
	g.AnnotateSymbol(n.Remote+"."+name, protogen.Annotation{Location: m.proto.Location})
	g.P(remoteSignature(g, m, name))
	if m.Kind != apispec.Request {
		return
	}
	typeDoc(g, "", m.Deprecated, n.Async(m.proto)+" is "+name+" in a new goroutine.")
	g.P(remoteSignature(g, m, n.Async(m.proto)), " *", ident("Future"), "[*", m.proto.Output.GoIdent, "]")
	typeDoc(g, "", m.Deprecated, n.Broadcast(m.proto)+" calls "+name+" on every server of type "+strconv.Quote(s.ServerType)+".")
	g.P(remoteSignature(g, m, n.Broadcast(m.proto)), " []", ident("Reply"), "[*", m.proto.Output.GoIdent, "]")
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
func remoteSignature(g *protogen.GeneratedFile, m *methodSpec, name string) string {
	params := "(ctx " + g.QualifiedGoIdent(contextType) + ", req *" + g.QualifiedGoIdent(m.proto.Input.GoIdent) +
		", opts ..." + g.QualifiedGoIdent(ident("CallOption")) + ")"
	if name != m.proto.GoName {
		return name + params
	}
	return name + params + " " + results(g, m)
}

func genRemoteConstructor(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.Deprecated, n.RemoteConstructor+" returns a "+n.Remote+" that calls through c.")
	g.P("func ", n.RemoteConstructor, "(c ", ident("RemoteConn"), ") ", n.Remote, " {")
	g.P("return ", n.RemoteImpl, "{conn: c}")
	g.P("}")
	g.P()
	g.P("// ", n.RemoteImpl, " implements ", n.Remote, ".")
	g.P("type ", n.RemoteImpl, " struct {")
	g.P("conn ", ident("RemoteConn"))
	g.P("}")
	g.P()
}

func genRemoteMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	route := s.names.Route(m.proto)
	g.P("func (c ", s.names.RemoteImpl, ") ", remoteSignature(g, m, m.proto.GoName), " {")
	if m.Kind == apispec.Notify {
		g.P("return c.conn.Notify(ctx, ", route, ", req, opts...)")
	} else {
		g.P("resp := new(", m.proto.Output.GoIdent, ")")
		g.P("if err := c.conn.Call(ctx, ", route, ", req, resp, opts...); err != nil {")
		g.P("return nil, err")
		g.P("}")
		g.P("return resp, nil")
	}
	g.P("}")
	g.P()
}

func genRemoteAsync(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	name, resp := s.names.Async(m.proto), m.proto.Output.GoIdent
	g.P("func (c ", s.names.RemoteImpl, ") ", remoteSignature(g, m, name), " *", ident("Future"), "[*", resp, "] {")
	g.P("return ", ident("Async"), "(func() (*", resp, ", error) {")
	g.P("return c.", m.proto.GoName, "(ctx, req, opts...)")
	g.P("})")
	g.P("}")
	g.P()
}

func genRemoteBroadcast(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	name, resp := s.names.Broadcast(m.proto), m.proto.Output.GoIdent
	g.P("func (c ", s.names.RemoteImpl, ") ", remoteSignature(g, m, name), " []", ident("Reply"), "[*", resp, "] {")
	g.P("return ", ident("Replies"), "[*", resp, "](c.conn.Broadcast(ctx, ", s.names.Route(m.proto), ", req, func() ",
		protoMessage, " { return new(", resp, ") }, opts...))")
	g.P("}")
	g.P()
}
