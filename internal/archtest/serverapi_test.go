package archtest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/gamesrv/gamesrv/runtime/server"
)

// serverAPI is every exported method of *server.Server, and why an
// application needs it. A method that exists for another gamesrv package
// (runtime/cluster, runtime/admin, a transport) belongs in
// runtime/internal/serverhost's Host instead, reached through
// Server.Internal (docs/architecture.md, "Package layers").
var serverAPI = map[string]string{
	"RegisterService":   "generated RegisterXxxHandler functions register handlers with it",
	"RegisterRoutes":    "a frontend declares the routes other server types serve",
	"RegisterComponent": "applications hook their components into start and shutdown",
	"Start":             "runs the server",
	"Serve":             "runs the server until its context is done",
	"Shutdown":          "stops the server gracefully",
	"Ready":             "readiness probes",
	"ID":                "the server's id, chosen at Start when Options leave it empty",
	"ServerType":        "the server's type, chosen at Start when Options leave it empty",
	"Logger":            "handlers and components log where the server logs",
	"Push":              "pushes to sessions and uids, here or on other frontends",
	"Group":             "broadcast groups",
	"DeleteGroup":       "broadcast groups",
	"Session":           "finds a session by id",
	"SessionByUID":      "finds a session by bound uid",
	"Sessions":          "the number of open sessions",
}

// serverFields is every exported field of server.Server.
var serverFields = []string{"Internal"}

// TestServerAPIIsTheApplicationsAlone fails when *server.Server gains an
// exported method or field that is not on the lists above: either it is
// for applications (list it, with the reason) or it is for gamesrv's own
// packages (put it in serverhost.Host).
func TestServerAPIIsTheApplicationsAlone(t *testing.T) {
	typ := reflect.TypeFor[*server.Server]()
	checkMethods(t, typ, serverAPI, "serverAPI", "if it exists for another gamesrv package, move it to serverhost.Host")
	var fields []string
	for f := range typ.Elem().Fields() {
		if f.IsExported() {
			fields = append(fields, f.Name)
		}
	}
	if !slices.Equal(fields, serverFields) {
		t.Errorf("server.Server's exported fields are %v, want %v", fields, serverFields)
	}
}

// checkMethods fails t when typ has an exported method that api (named
// name in the errors) does not list, or api lists one typ no longer has.
// move says where a method that is not for applications goes.
func checkMethods(t *testing.T, typ reflect.Type, api map[string]string, name, move string) {
	t.Helper()
	var methods []string
	for m := range typ.Methods() {
		methods = append(methods, m.Name)
		if _, ok := api[m.Name]; !ok {
			t.Errorf("%v has method %s, which is not in %s: %s; if applications need it, add it to %s with the reason", typ, m.Name, name, move, name)
		}
	}
	for m := range api {
		if !slices.Contains(methods, m) {
			t.Errorf("%s lists %s, which %v no longer has: remove it from the list", name, m, typ)
		}
	}
}

// TestServerInternalIsOpaque fails when the type of Server.Internal gains
// an exported field or method, through which applications could reach
// the server's internal methods without importing serverhost.
func TestServerInternalIsOpaque(t *testing.T) {
	f, ok := reflect.TypeFor[server.Server]().FieldByName("Internal")
	if !ok {
		t.Fatal("server.Server has no field Internal")
	}
	for _, typ := range []reflect.Type{f.Type, reflect.PointerTo(f.Type)} {
		if typ.NumMethod() != 0 {
			t.Errorf("%v has %d exported methods, want none", typ, typ.NumMethod())
		}
	}
	if f.Type.Kind() != reflect.Struct {
		t.Fatalf("Internal is a %v, want an opaque struct", f.Type.Kind())
	}
	for sf := range f.Type.Fields() {
		if sf.IsExported() {
			t.Errorf("%v has the exported field %s", f.Type, sf.Name)
		}
	}
	if got, want := f.Type.PkgPath(), "github.com/gamesrv/gamesrv/runtime/internal/serverhost"; got != want {
		t.Errorf("Internal's type is in %s, want %s (importable by runtime/ only)", got, want)
	}
}
