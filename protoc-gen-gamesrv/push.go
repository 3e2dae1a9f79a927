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
	typeDoc(g, s.proto.Comments.Leading, s.Deprecated,
		n.Pusher+" sends the pushes of "+string(s.proto.Desc.Name())+" from the server.")
	g.AnnotateSymbol(n.Pusher, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.Pusher, " interface {")
	for _, m := range s.methods {
		if !m.Pushed() {
			continue
		}
		typeDoc(g, m.proto.Comments.Leading, m.Deprecated,
			m.proto.GoName+" pushes msg on route "+strconv.Quote(m.Route)+" to the target.")
		g.AnnotateSymbol(n.Pusher+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(pusherSignature(g, m))
	}
	g.P("}")
	g.P()
}

func genPusherConstructor(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.Deprecated, n.PusherConstructor+" returns a "+n.Pusher+" that sends through p.")
	g.P("func ", n.PusherConstructor, "(p ", ident("Pusher"), ") ", n.Pusher, " {")
	g.P("return ", n.PusherImpl, "{p: p}")
	g.P("}")
	g.P()
	g.P("// ", n.PusherImpl, " implements ", n.Pusher, ".")
	g.P("type ", n.PusherImpl, " struct {")
	g.P("p ", ident("Pusher"))
	g.P("}")
	g.P()
}

func genPusherMethod(g *protogen.GeneratedFile, s *serviceSpec, m *methodSpec) {
	g.P("func (p ", s.names.PusherImpl, ") ", pusherSignature(g, m), " {")
	g.P("return p.p.Push(ctx, to, ", s.names.Route(m.proto), ", msg)")
	g.P("}")
	g.P()
}

func pusherSignature(g *protogen.GeneratedFile, m *methodSpec) string {
	return m.proto.GoName + "(ctx " + g.QualifiedGoIdent(contextType) + ", to " + g.QualifiedGoIdent(ident("PushTarget")) +
		", msg *" + g.QualifiedGoIdent(m.proto.Input.GoIdent) + ") error"
}

func genPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	genPushHandlerInterface(g, s)
	genUnimplementedPushHandler(g, s)
	genRegisterPushHandler(g, s)
}

func genPushHandlerInterface(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, s.proto.Comments.Leading, s.Deprecated,
		n.PushHandler+" receives the pushes of "+string(s.proto.Desc.Name())+" on the client.")
	g.AnnotateSymbol(n.PushHandler, protogen.Annotation{Location: s.proto.Location})
	g.P("type ", n.PushHandler, " interface {")
	for _, m := range s.methods {
		if !m.Pushed() {
			continue
		}
		methodDoc(g, m, m.proto.GoName+" receives the "+describe(s, m)+".")
		g.AnnotateSymbol(n.PushHandler+"."+m.proto.GoName, protogen.Annotation{Location: m.proto.Location})
		g.P(pushHandlerSignature(g, m, true))
	}
	g.P("}")
	g.P()
}

func genUnimplementedPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.Deprecated,
		n.UnimplementedPushHandler+" ignores every push.",
		"Embed it by value in your push handler so that adding pushes to the",
		"service does not break your build.")
	g.P("type ", n.UnimplementedPushHandler, " struct{}")
	g.P()
	for _, m := range s.methods {
		if m.Pushed() {
			g.P("// ", m.proto.GoName, " ignores the push.")
			g.P("func (", n.UnimplementedPushHandler, ") ", pushHandlerSignature(g, m, false), " {}")
			g.P()
		}
	}
}

func genRegisterPushHandler(g *protogen.GeneratedFile, s *serviceSpec) {
	n := s.names
	typeDoc(g, "", s.Deprecated,
		n.RegisterPushHandler+" registers h to receive the pushes of "+string(s.proto.Desc.Name()),
		"on r (a client connection).")
	g.P("func ", n.RegisterPushHandler, "(r ", ident("PushRegistrar"), ", h ", n.PushHandler, ") error {")
	g.P("return r.RegisterPushHandler(&", n.ServiceDesc, ", h)")
	g.P("}")
	g.P()
}

// pushHandlerSignature returns the signature of m in the push handler
// interface, with or without parameter names.
func pushHandlerSignature(g *protogen.GeneratedFile, m *methodSpec, named bool) string {
	return m.proto.GoName + "(" + param(named, "ctx", g.QualifiedGoIdent(contextType)) + ", " +
		param(named, "msg", "*"+g.QualifiedGoIdent(m.proto.Input.GoIdent)) + ")"
}
