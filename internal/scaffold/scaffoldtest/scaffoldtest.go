// Package scaffoldtest holds what the tests of new game modules share:
// node_modules for a module outside the repository, and running commands
// in it with their output in the failure.
package scaffoldtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RepoRoot returns the repository's root, from a test running in the
// package directory rel below it ("cmd/gamesrv").
func RepoRoot(t *testing.T, rel string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd
	for range strings.Split(filepath.ToSlash(rel), "/") {
		root = filepath.Dir(root)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no repository root at %s: %v", root, err)
	}
	return root
}

// LinkNodeModules gives dir a node_modules made of the repository's (npm
// ci at root), as npm install of the new module's package.json would lay
// it out, without the network: a link to each of root's packages, and
// @gamesrv/client linked to the module's vendored copy, as its
// "file:client/vendor/gamesrv-client" dependency makes npm do. It fails
// the test, saying to run npm ci, when root has no node_modules.
func LinkNodeModules(t *testing.T, root, dir string) {
	t.Helper()
	src := filepath.Join(root, "node_modules")
	entries, err := os.ReadDir(src)
	if err != nil || !exists(filepath.Join(src, ".bin", "buf")) || !exists(filepath.Join(src, ".bin", "tsc")) {
		t.Fatalf("the repository's node_modules is missing or incomplete (%v): run `npm ci` at its root (make test does)", err)
	}
	dst := filepath.Join(dir, "node_modules")
	if err := os.MkdirAll(filepath.Join(dst, "@gamesrv"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "@gamesrv" {
			continue
		}
		if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join("..", "..", "client", "vendor", "gamesrv-client"), filepath.Join(dst, "@gamesrv", "client")); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Run runs name with args in dir (with env added to the environment) and
// returns its standard output; on failure or after timeout it fails the
// test with both outputs.
func Run(t *testing.T, dir string, env []string, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := RunErr(dir, env, timeout, name, args...)
	if err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return out
}

// RunErr is Run returning the error instead of failing; the output is
// stdout and stderr interleaved.
func RunErr(dir string, env []string, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
