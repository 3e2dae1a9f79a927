package main

import (
	"strconv"

	"google.golang.org/protobuf/compiler/protogen"
)

func genPusher(g *protogen.GeneratedFile, s *serviceSpec) {
	genPusherInterface(g, s)
	genPusherConstructor(g, s)
	for _, m := range s.methods {
		if m.Pushed() {
			genPusherMethod(g, s, m)
		}
	}
}

func genPusherInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.deprecation(s.Deprecated),
		n.Pusher+" sends the pushes of "+string(s.proto.Desc.Name())+" from the server.")
	g.AnnotateSymbol(n.Pusher, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.Pusher, " interface {")
	for _, m := range s.methods {
		if !m.Pushed() {
			continue
		}
		typeDoc(g, m.proto.Comments.Leading, s.deprecation(m.Deprecated),
			m.proto.GoName+" pushes "+s.file.locals.msg+" on route "+strconv.Quote(m.Route)+" to the target.")
		g.AnnotateSymbol(n.Pusher+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(pusherSignature(g, s, m))
	}
	g.P("}")
	g.P()
}

func genPusherConstructor(g *protogen.GeneratedFile, s *serviceSpec) {
	n, l := s.names, s.file.locals
	typeDoc(g, "", s.deprecation(s.Deprecated), n.PusherConstructor+" returns a "+n.Pusher+" that sends through "+l.p+".")
	g.P("func ", n.PusherConstructor, "(", l.p, " ", ident("Pusher"), ") ", n.Pusher, " {")
	g.P("return ", n.PusherImpl, "{p: ", l.p, "}")
	g.P("}")
	g.P()
	g.P("// ", n.PusherImpl, " implements ", n.Pusher, ".")
	g.P("type ", n.PusherImpl, " struct {")
	g.P("p ", ident("Pusher"))
	g.P("}")
	g.P()
}

func genPusherMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	l := s.file.locals
	g.P("func (", l.p, " ", s.names.PusherImpl, ") ", pusherSignature(g, s, m), " {")
	g.P("return ", l.p, ".p.Push(", l.ctx, ", ", l.to, ", ", s.names.Route(m.proto), ", ", l.msg, ")")
	g.P("}")
	g.P()
}

func pusherSignature(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) string {
	l := s.file.locals
	return m.proto.GoName + "(" + l.ctx + " " + g.QualifiedGoIdent(contextType) + ", " + l.to + " " + g.QualifiedGoIdent(ident("PushTarget")) +
		", " + l.msg + " *" + g.QualifiedGoIdent(m.proto.Input.GoIdent) + ") error"
}

func genPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	genPushHandlerInterface(g, s)
	genUnimplementedPushHandler(g, s)
	genRegisterPushHandler(g, s)
}

func genPushHandlerInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.deprecation(s.Deprecated),
		n.PushHandler+" receives the pushes of "+string(s.proto.Desc.Name())+" on the client.")
	g.AnnotateSymbol(n.PushHandler, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.PushHandler, " interface {")
	for _, m := range s.methods {
		if !m.Pushed() {
			continue
		}
		methodDoc(g, s, m, m.proto.GoName+" receives the "+describe(s, m)+".")
		g.AnnotateSymbol(n.PushHandler+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(pushHandlerSignature(g, s, m, true))
	}
	g.P("}")
	g.P()
}

func genUnimplementedPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.deprecation(s.Deprecated),
		n.UnimplementedPushHandler+" ignores every push.",
		"Embed it by value in your push handler so that adding pushes to the",
		"service does not break your build.")
	g.P("type ", n.UnimplementedPushHandler, " struct{}")
	g.P()
	for _, m := range s.methods {
		if m.Pushed() {
			g.P("// ", m.proto.GoName, " ignores the push.")
			g.P("func (", n.UnimplementedPushHandler, ") ", pushHandlerSignature(g, s, m, false), " {}")
			g.P()
		}
	}
}

func genRegisterPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n, l := s.names, s.file.locals
	typeDoc(g, "", s.deprecation(s.Deprecated),
		n.RegisterPushHandler+" registers "+l.h+" to receive the pushes of "+string(s.proto.Desc.Name()),
		"on "+l.r+" (a client connection). It fails if a route of these pushes",
		"already has a handler on "+l.r+".")
	g.P("func ", n.RegisterPushHandler, "(", l.r, " ", ident("PushRegistrar"), ", ", l.h, " ", n.PushHandler, ") error {")
	g.P("return ", l.r, ".RegisterPushHandler(&", n.ServiceDesc, ", ", l.h, ")")
	g.P("}")
	g.P()
}

// pushHandlerSignature returns the signature of m in the push handler
// interface, with or without parameter names.
func pushHandlerSignature(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec, named bool) string {
	l := s.file.locals
	return m.proto.GoName + "(" + param(named, l.ctx, g.QualifiedGoIdent(contextType)) + ", " +
		param(named, l.msg, "*"+g.QualifiedGoIdent(m.proto.Input.GoIdent)) + ")"
}
