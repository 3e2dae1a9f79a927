package scaffold

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/scaffold/scaffoldtest"
)

// recipeDoc is the guide that holds the steps for a repository of one's
// own, relative to the repository root.
const recipeDoc = "docs/own-repository.md"

// recipeMarker precedes the block of steps in recipeDoc.
const recipeMarker = "<!-- recipe: TestOwnRepositoryRecipe runs the next block -->"

// recipe returns the shell block that follows the marker in doc.
func recipe(t *testing.T, doc string) string {
	t.Helper()
	_, after, ok := strings.Cut(doc, recipeMarker+"\n```sh\n")
	if !ok {
		t.Fatalf("%s has no %q followed by a ```sh block", recipeDoc, recipeMarker)
	}
	block, _, ok := strings.Cut(after, "\n```\n")
	if !ok {
		t.Fatalf("the recipe block of %s does not end", recipeDoc)
	}
	return block + "\n"
}

// TestOwnRepositoryRecipe runs the guide's "Your own repository, step by step"
// as it is (bash, set -eu -o pipefail) in a temporary directory that has a
// link to this checkout as ../gamesrv, with the npm registry (npm's cache
// first): so the documented steps are the tested ones. It then checks what
// they leave: the buf.yaml and buf.gen.yaml of gamesrv new, the plugins
// as tools, the pinned npm versions, the generated Go and TypeScript, and
// no options.pb.go. Then it shows why options.proto must not be generated:
// a second options.pb.go next to the runtime's panics at start-up.
func TestOwnRepositoryRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the guide's steps: go mod tidy, npm install, buf generate")
	}
	root := scaffoldtest.RepoRoot(t, "internal/scaffold")
	doc, err := os.ReadFile(filepath.Join(root, recipeDoc))
	if err != nil {
		t.Fatal(err)
	}
	block := recipe(t, string(doc))
	for _, step := range []string{"go mod edit -tool github.com/gamesrv/gamesrv/protoc-gen-gamesrv", "--print-options-proto",
		"npm install", "npx buf generate", "cat > buf.gen.yaml"} {
		if !strings.Contains(block, step) {
			t.Fatalf("the recipe lacks %q:\n%s", step, block)
		}
	}
	tmp := t.TempDir()
	if err := os.Symlink(root, filepath.Join(tmp, "gamesrv")); err != nil {
		t.Fatal(err)
	}
	env := []string{"npm_config_prefer_offline=true", "npm_config_audit=false", "npm_config_fund=false", "npm_config_update_notifier=false"}
	scaffoldtest.Run(t, tmp, env, 10*time.Minute, "bash", "-euo", "pipefail", "-c", block)
	dir := filepath.Join(tmp, "mygame")

	for _, name := range []string{"buf.yaml", "buf.gen.yaml"} {
		want, err := files.ReadFile("files/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, dir, name); got != string(want) {
			t.Errorf("the recipe's %s differs from gamesrv new's (internal/scaffold/files/%s):\n%s", name, name, got)
		}
	}
	gomod := read(t, dir, "go.mod")
	for _, tool := range []string{"github.com/gamesrv/gamesrv/protoc-gen-gamesrv", "github.com/gamesrv/gamesrv/protoc-gen-gamesrv-es",
		"google.golang.org/protobuf/cmd/protoc-gen-go"} {
		if !regexp.MustCompile(`(?m)^\s*(tool\s+)?` + regexp.QuoteMeta(tool) + `$`).MatchString(gomod) {
			t.Errorf("go.mod lacks the tool %s:\n%s", tool, gomod)
		}
	}
	var pkg struct {
		Dependencies, DevDependencies map[string]string
	}
	if err := json.Unmarshal([]byte(read(t, dir, "package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.DevDependencies["@bufbuild/buf"] != npmPins.Buf || pkg.DevDependencies["@bufbuild/protoc-gen-es"] != npmPins.ProtocGenES ||
		pkg.Dependencies["@bufbuild/protobuf"] != npmPins.Protobuf {
		t.Errorf("package.json pins %v %v; want this repository's versions %+v", pkg.DevDependencies, pkg.Dependencies, npmPins)
	}
	for _, name := range []string{"gen/game/v1/game.pb.go", "gen/game/v1/game_gamesrv.pb.go",
		"client/src/gen/game/v1/game_pb.ts", "client/src/gen/game/v1/game_gamesrv.ts", "client/src/gen/gamesrv/v1/options_pb.ts"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("not generated: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "gen", "gamesrv", "v1", "options.pb.go")); err == nil {
		t.Error("options.proto was generated for Go")
	}

	t.Run("options.proto generated twice panics", func(t *testing.T) {
		// What generating options.proto in one's own module does: a second
		// options.pb.go, which panics once linked with the runtime's.
		template := `{"version":"v2","plugins":[{"local":["go","tool","protoc-gen-go"],"out":"gen","opt":"paths=source_relative"}]}`
		scaffoldtest.Run(t, dir, nil, 5*time.Minute, "npx", "buf", "generate", "third_party", "--template", template)
		if err := os.MkdirAll(filepath.Join(dir, "cmd", "twice"), 0o755); err != nil {
			t.Fatal(err)
		}
		main := "package main\n\nimport (\n\t_ \"example.com/mygame/gen/game/v1\"\n\t_ \"example.com/mygame/gen/gamesrv/v1\"\n)\n\nfunc main() {}\n"
		if err := os.WriteFile(filepath.Join(dir, "cmd", "twice", "main.go"), []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := scaffoldtest.RunErr(dir, []string{"GOLANG_PROTOBUF_REGISTRATION_CONFLICT="}, 5*time.Minute, "go", "run", "./cmd/twice")
		// protobuf-go writes "proto:" and the rest with a space that may be
		// a no-break space, so that nobody matches its messages exactly.
		if err == nil || !strings.Contains(out, `file "gamesrv/v1/options.proto" is already registered`) {
			t.Errorf("got %v:\n%s\nwant the panic the guide quotes", err, out)
		}
	})
}
