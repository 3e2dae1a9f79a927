// Package archtest checks the dependency rules of the repository: the
// runtime dispatches without reflection, a game client or bot links
// neither the server (its package, its listeners, gnet) nor the cluster
// (memberlist): the Go client shares only runtime/wire, runtime/gamesrv
// and runtime/transport/kcpconf with the server; only the optional
// tracing package imports OpenTelemetry; the packages under
// runtime/cluster import each other in layer order; and *server.Server and
// *cluster.Node export only the methods applications call.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestRuntimeDoesNotImportReflect(t *testing.T) {
	err := filepath.WalkDir("../../runtime", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "reflect" {
				t.Errorf("%s imports reflect", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serverOnly are the packages of the server side: a game client or bot
// must not link them, directly or through another package. The Go client
// shares the wire codec, the core types and the KCP settings
// (runtime/transport/kcpconf), nothing else.
var serverOnly = []string{
	"github.com/gamesrv/gamesrv/runtime/server",
	"github.com/gamesrv/gamesrv/runtime/cluster",
	"github.com/gamesrv/gamesrv/runtime/internal/serverhost",
	"github.com/gamesrv/gamesrv/runtime/transport",
	"github.com/gamesrv/gamesrv/runtime/transport/kcp",
	"github.com/gamesrv/gamesrv/runtime/transport/tcp",
	"github.com/gamesrv/gamesrv/runtime/transport/ws",
	"github.com/gamesrv/gamesrv/runtime/transport/stdnet",
	"github.com/panjf2000/gnet",
	"github.com/hashicorp/memberlist",
}

// shared are the packages under serverOnly's paths that clients share.
var shared = []string{"github.com/gamesrv/gamesrv/runtime/transport/kcpconf"}

// linksServerSide reports whether dep is a server-side package or one of
// its subpackages (runtime/transport/internal/..., gnet/v2/...), other
// than the shared ones.
func linksServerSide(dep string) bool {
	if slices.Contains(shared, dep) {
		return false
	}
	for _, p := range serverOnly {
		if dep == p || strings.HasPrefix(dep, p+"/") {
			return true
		}
	}
	return false
}

func TestClientsDoNotLinkServerStack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, pkg := range []string{"../../runtime/client", "../../examples/chat/bot", "../../examples/chat/gen/chat/v1", "../../examples/cluster/clusterbot"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 {
			t.Fatalf("go list %s lists %d packages", pkg, len(deps))
		}
		for _, dep := range deps {
			if linksServerSide(dep) {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}

// TestServerSideList: the rule above matches what it must, and not the
// shared leaf packages.
func TestServerSideList(t *testing.T) {
	for dep, want := range map[string]bool{
		"github.com/gamesrv/gamesrv/runtime/transport/kcp":             true,
		"github.com/gamesrv/gamesrv/runtime/transport/internal/accept": true,
		"github.com/gamesrv/gamesrv/runtime/server":                    true,
		"github.com/panjf2000/gnet/v2":                                 true,
		"github.com/gamesrv/gamesrv/runtime/transport/kcpconf":         false,
		"github.com/gamesrv/gamesrv/runtime/wire":                      false,
		"github.com/gamesrv/gamesrv/runtime/gamesrv":                   false,
		"github.com/gamesrv/gamesrv/runtime/servertest":                false, // a test helper, not linked by clients either, but not listed
	} {
		if got := linksServerSide(dep); got != want {
			t.Errorf("linksServerSide(%q) = %v, want %v", dep, got, want)
		}
	}
}

// TestOnlyOtelgamesrvImportsOpenTelemetry: tracing is optional, so only
// runtime/otelgamesrv (and tests) import go.opentelemetry.io; a server
// that does not trace does not link it.
func TestOnlyOtelgamesrvImportsOpenTelemetry(t *testing.T) {
	allowed := filepath.Join("..", "..", "runtime", "otelgamesrv")
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Dir(path) == allowed {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "go.opentelemetry.io/") {
				t.Errorf("%s imports %s: only runtime/otelgamesrv may", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
