package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"google.golang.org/protobuf/proto"
)

// reflectDispatcher is the reflection-based dispatcher the generated route
// tables are compared with, written only for the benchmark. Like Pitaya's
// handler service it looks the methods up once, at registration, by name
// and signature, and per call allocates the request with reflect.New and
// calls the method with reflect.Value.Call.
type reflectDispatcher struct {
	routes map[string]*reflectRoute
}

// reflectRoute is one registered handler method.
type reflectRoute struct {
	receiver reflect.Value
	method   reflect.Method
	reqType  reflect.Type // the request message type (not the pointer)
}

// newReflectDispatcher registers every exported method of handler that has
// the shape Method(ctx, gamesrv.Session, *Req) (*Resp, error) under the
// route "<serverType>.<service>.<method>", in lower case.
func newReflectDispatcher(serverType, service string, handler any) (*reflectDispatcher, error) {
	d := &reflectDispatcher{routes: map[string]*reflectRoute{}}
	v, t := reflect.ValueOf(handler), reflect.TypeOf(handler)
	for i := range t.NumMethod() {
		m := t.Method(i)
		if !isHandlerMethod(m) {
			continue
		}
		route := strings.ToLower(serverType + "." + service + "." + m.Name)
		d.routes[route] = &reflectRoute{receiver: v, method: m, reqType: m.Type.In(3).Elem()}
	}
	if len(d.routes) == 0 {
		return nil, fmt.Errorf("%T has no handler method", handler)
	}
	return d, nil
}

// isHandlerMethod reports whether m has a handler's signature.
func isHandlerMethod(m reflect.Method) bool {
	t, msg := m.Type, reflect.TypeFor[proto.Message]()
	if t.NumIn() != 4 || t.NumOut() != 2 {
		return false
	}
	return t.In(1) == reflect.TypeFor[context.Context]() && t.In(2) == reflect.TypeFor[gamesrv.Session]() &&
		t.In(3).Kind() == reflect.Pointer && t.In(3).Implements(msg) &&
		t.Out(0).Implements(msg) && t.Out(1) == reflect.TypeFor[error]()
}

// errNoRoute is returned for a route that is not registered.
var errNoRoute = errors.New("no such route")

// dispatch calls the handler of route with a new, empty request (the
// benchmark does not unmarshal: neither does the generated side).
func (d *reflectDispatcher) dispatch(ctx context.Context, route string, s gamesrv.Session) (proto.Message, error) {
	r, ok := d.routes[route]
	if !ok {
		return nil, errNoRoute
	}
	req := reflect.New(r.reqType)
	out := r.method.Func.Call([]reflect.Value{r.receiver, reflect.ValueOf(ctx), reflect.ValueOf(s), req})
	if err, _ := out[1].Interface().(error); err != nil {
		return nil, err
	}
	resp, _ := out[0].Interface().(proto.Message)
	return resp, nil
}
