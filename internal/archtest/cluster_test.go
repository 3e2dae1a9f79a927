package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const clusterPkg = "github.com/gamesrv/gamesrv/runtime/cluster"

// clusterLayers says, for each package under runtime/cluster, which
// other cluster packages it may import: the layers go from the wire codec
// and the gossip membership up to package cluster, and no layer imports
// one above it. A new package under runtime/cluster must take its place
// here.
var clusterLayers = map[string][]string{
	"internal/linkwire":  nil,                                                          // the frame codec: nothing of the cluster
	"internal/linkhello": {"internal/linkwire"},                                        // the link handshake, on the codec
	"internal/link":      {"internal/linkwire", "internal/linkhello"},                  // one link: calls, replies, serving
	"internal/linkset":   {"internal/linkwire", "internal/linkhello", "internal/link"}, // a node's links: dial, accept, one per peer, redial, deadlines
	"gossip":             nil,                                                          // membership: not the links, not the node
}

func TestClusterPackagesImportInLayerOrder(t *testing.T) {
	var pkgs []string
	err := filepath.WalkDir("../../runtime/cluster", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || d.Name() == "testdata" {
			if err == nil && d.IsDir() {
				return filepath.SkipDir
			}
			return err
		}
		if rel, _ := filepath.Rel("../../runtime/cluster", path); rel != "." && rel != "internal" {
			pkgs = append(pkgs, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range pkgs {
		allowed, ok := clusterLayers[rel]
		if !ok {
			t.Errorf("runtime/cluster/%s has no place in clusterLayers (internal/archtest/cluster_test.go)", rel)
			continue
		}
		files, err := filepath.Glob(filepath.Join("../../runtime/cluster", rel, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if p != clusterPkg && !strings.HasPrefix(p, clusterPkg+"/") {
					continue
				}
				if dep := strings.TrimPrefix(strings.TrimPrefix(p, clusterPkg), "/"); !slices.Contains(allowed, dep) {
					if dep == "" {
						dep = "runtime/cluster"
					}
					t.Errorf("%s imports %s, a layer it may not use (allowed: %v)", path, dep, allowed)
				}
			}
		}
	}
}
