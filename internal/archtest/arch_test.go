// Package archtest checks the dependency rules of the repository: the
// runtime dispatches without reflection, and a game client or bot links
// neither the server's network stack nor the cluster.
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
