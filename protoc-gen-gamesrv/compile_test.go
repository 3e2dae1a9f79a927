package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gamesrv/gamesrv/internal/golden"
)

// TestGoldenCompiles builds and vets the output of every golden case, with
// protoc-gen-go's, in a scratch module that uses this repository's runtime.
// It runs the go command, so -short skips it.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	for _, c := range goldenCases {
		resp := runPlugin(t, diskResolver(), "module=example.com/game", runGengo, caseFiles(t, c)...)
		if resp.GetError() != "" {
			t.Fatalf("%s: %s", c, resp.GetError())
		}
		files := make(map[string]string)
		for _, f := range resp.GetFile() {
			files[filepath.Join(dir, filepath.FromSlash(f.GetName()))] = f.GetContent()
		}
		golden.WriteFiles(t, files)
	}
	writeScratchModule(t, dir)
	cmd := exec.Command(goCmd, "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated code: %v\n%s", err, out)
	}
}

// writeScratchModule writes the go.mod and go.sum of the module
// example.com/game in dir, which uses the gamesrv module of this repository.
func writeScratchModule(t *testing.T, dir string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/game\n\ngo 1.26\n\n" +
		"require (\n\tgithub.com/gamesrv/gamesrv v0.0.0\n\tgoogle.golang.org/protobuf v1.36.12\n)\n\n" +
		"replace github.com/gamesrv/gamesrv => " + root + "\n"
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": gosum} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
