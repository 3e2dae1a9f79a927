// Package apispec reads the gamesrv options of protobuf services and
// validates them: the routes, the kinds (request, notify, push) and the
// visibility (internal or not) of every method. It is the one source of
// truth of every code generator of gamesrv: protoc-gen-gamesrv (Go) and
// protoc-gen-gamesrv-es (TypeScript) both emit what Parse returns, so they
// can never disagree about a route.
//
// The package knows protobuf descriptors and the wire protocol's rules, and
// nothing of any target language: identifiers, collisions between generated
// names and import paths are each generator's concern.
package apispec

import (
	"strconv"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// MaxRouteLen is the longest route, in bytes, the wire protocol can carry.
const MaxRouteLen = 255

// Kind is how a method travels on the client wire protocol.
type Kind int

const (
	// Request is sent by a client, which gets a response or an error.
	Request Kind = iota
	// Notify is sent by a client, which gets no reply.
	Notify
	// Push is sent by the server to clients.
	Push
)

// String returns "request", "notify" or "push", as used in error messages
// and generated documentation.
func (k Kind) String() string {
	switch k {
	case Request:
		return "request"
	case Notify:
		return "notify"
	case Push:
		return "push"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// File is a file with gamesrv services and its validated services.
type File struct {
	// Desc is the file.
	Desc protoreflect.FileDescriptor
	// Deprecated is the file's deprecated option: everything generated
	// for the file is deprecated.
	Deprecated bool
	// Services are the file's gamesrv services, in declaration order: all
	// its services with Options.Strict, otherwise those with the
	// (gamesrv.v1.service) option. Never empty.
	Services []*Service
}

// Service is a service with its validated options.
type Service struct {
	// Desc is the service.
	Desc protoreflect.ServiceDescriptor
	// ServerType is the type of server that handles the service, the first
	// segment of its request and notify routes.
	ServerType string
	// Deprecated is the service's deprecated option.
	Deprecated bool
	// Methods are the service's methods, in declaration order (one per
	// method of Desc).
	Methods []*Method
}

// Has reports whether any method of s satisfies pred, for example
// s.Has((*Method).ClientCallable).
func (s *Service) Has(pred func(*Method) bool) bool {
	for _, m := range s.Methods {
		if pred(m) {
			return true
		}
	}
	return false
}

// Method is a method with its validated options.
type Method struct {
	// Desc is the method.
	Desc protoreflect.MethodDescriptor
	// Kind is how the method travels.
	Kind Kind
	// Internal methods are called by other servers only; clients never
	// see them. A push is never internal.
	Internal bool
	// Deprecated is the method's deprecated option.
	Deprecated bool
	// Route is the route string sent on the wire, at most MaxRouteLen
	// bytes long and unique among the methods given to Parse.
	Route string
}

// Handled reports whether a server handles the method: a request or a
// notify, internal or not.
func (m *Method) Handled() bool { return m.Kind != Push }

// ClientCallable reports whether a game client may send the method: a
// request or a notify that is not internal.
func (m *Method) ClientCallable() bool { return m.Kind != Push && !m.Internal }

// Pushed reports whether the server pushes the method to game clients.
func (m *Method) Pushed() bool { return m.Kind == Push }

// ClientVisible reports whether the method appears in game-client code:
// it is client callable or pushed.
func (m *Method) ClientVisible() bool { return !m.Internal }
