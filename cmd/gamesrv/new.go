package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gamesrv/gamesrv/internal/scaffold"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

func runNew(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "new", "module [dir]", `Writes a new game module: a .proto with a service (a request, a notify, a push and an
internal method), its generated Go and TypeScript code, buf.yaml and buf.gen.yaml, a
Makefile (make run, make test, make generate), a server (TCP, KCP, WebSocket, admin,
graceful shutdown, every flag also a GAMESRV_... variable), a Go bot, a handler test
and a Node client with @gamesrv/client vendored. dir defaults to the module path's
last element and must be empty or missing. Then it runs go mod tidy there.

Until gamesrv is published, the module builds against a checkout of it (a replace
directive in go.mod): -gamesrv, by default the checkout this command was built from.`)
	checkout := fs.String("gamesrv", "", "a gamesrv checkout for go.mod's replace directive (default: the checkout this binary was built from, if any)")
	tidy := fs.Bool("tidy", true, "run go mod tidy in the new module (writes go.sum; needs the Go module proxy or a warm module cache)")
	if err := parse(fs, args, 2); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("a module path is required, e.g. gamesrv new example.com/mygame")
	}
	module := fs.Arg(0)
	if err := scaffold.CheckModulePath(module); err != nil {
		return usagef("%v", err)
	}
	dir := fs.Arg(1)
	if dir == "" {
		dir = scaffold.Name(module)
	}
	cfg := scaffold.Config{Module: module}
	from := *checkout
	if from == "" {
		from = builtFrom()
	}
	if from != "" {
		rp, err := replacePath(dir, from)
		if err != nil {
			return err
		}
		cfg.Replace = rp
	}
	written, err := scaffold.Write(dir, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s into %s (%d files)\n", module, dir, len(written))
	if cfg.Replace != "" {
		fmt.Fprintf(e.stdout, "go.mod uses the gamesrv checkout at %s (replace directive), until gamesrv is published\n", cfg.Replace)
	} else {
		fmt.Fprintf(e.stdout, "go.mod requires gamesrv v%s; until it is published, pass -gamesrv <checkout>\n", gamesrv.Version)
	}
	if *tidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, e.stderr, e.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go mod tidy in %s: %w (fix it and run go mod tidy there again)", dir, err)
		}
	}
	fmt.Fprintf(e.stdout, "\n  cd %s\n  make run     # the server: TCP 127.0.0.1:3250, KCP :3251, WebSocket :3252\n"+
		"  make test    # its tests\n  make bot     # (in another terminal) Go bots play it\n", dir)
	return nil
}

// builtFrom returns the root of the gamesrv checkout this binary was built
// from, or "" when it cannot tell: the source path the compiler recorded
// for this file (absent with -trimpath) must lead to a go.mod of
// github.com/gamesrv/gamesrv outside the module cache.
func builtFrom() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // cmd/gamesrv/new.go
	if strings.Contains(root, "@") {                       // the module cache: a published version
		return ""
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(b), "module github.com/gamesrv/gamesrv\n") {
		return ""
	}
	return root
}

// replacePath is checkout as go.mod in dir should name it: relative to
// dir when they share a directory other than the root at most two levels
// above dir (../gamesrv, ../../src/gamesrv), else absolute.
func replacePath(dir, checkout string) (string, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	absCheckout, err := filepath.Abs(checkout)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(absCheckout, "go.mod")); err != nil {
		return "", fmt.Errorf("-gamesrv %s: not a gamesrv checkout (%v)", checkout, err)
	}
	rel, err := filepath.Rel(absDir, absCheckout)
	if err != nil {
		return absCheckout, nil
	}
	rel = filepath.ToSlash(rel)
	up := 0
	for _, elem := range strings.Split(rel, "/") {
		if elem != ".." {
			break
		}
		up++
	}
	common := absDir
	for range up {
		common = filepath.Dir(common)
	}
	if up > 2 || common == filepath.Dir(common) { // beyond two levels, or only the root in common
		return absCheckout, nil
	}
	if up == 0 {
		rel = "./" + rel // go.mod needs ./ or ../ to tell a directory from a module path
	}
	return rel, nil
}
