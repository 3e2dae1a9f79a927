// Package archtest checks the dependency rules of the repository: the
// runtime dispatches without reflection, a game client or bot links
// neither the server's network stack nor the cluster, and only the
// optional tracing package imports OpenTelemetry.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
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

func TestClientsDoNotLinkServerStack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, pkg := range []string{"../../runtime/client", "../../examples/chat/bot", "../../examples/chat/gen/chat/v1", "../../examples/cluster/clusterbot"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "panjf2000/gnet") || strings.Contains(dep, "hashicorp/memberlist") {
				t.Errorf("%s links %s", pkg, dep)
			}
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
