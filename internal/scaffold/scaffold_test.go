package scaffold

import (
	"bytes"
	"encoding/json"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

func TestCheckModulePath(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"example.com/mygame", true},
		{"mygame", true},
		{"github.com/studio/my-game/v2", true},
		{"example.com/a_b~c", true},
		{"", false},
		{"example.com//mygame", false},
		{"/mygame", false},
		{"example.com/my game", false},
		{"example.com/.hidden", false},
		{"example.com/mygame.", false},
		{`example.com/"quoted"`, false},
		{"example.com/jeu-été", false},
	}
	for _, tt := range tests {
		if err := CheckModulePath(tt.path); (err == nil) != tt.ok {
			t.Errorf("CheckModulePath(%q) = %v, want ok %v", tt.path, err, tt.ok)
		}
	}
}

// TestWrite writes a module and checks its files: the templates rendered
// with the module path (no template text left), Go files gofmt'ed, the
// vendored client and options.proto present, a replace with Replace.
func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mygame")
	names, err := Write(dir, Config{Module: "example.org/studio/mygame", Replace: "../gamesrv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"go.mod", "Makefile", "README.md", "buf.yaml", "buf.gen.yaml", "package.json", ".gitignore",
		"proto/game/v1/game.proto", "third_party/gamesrv/v1/options.proto",
		"gen/game/v1/game.pb.go", "gen/game/v1/game_gamesrv.pb.go",
		"game/game.go", "game/game_test.go", "cmd/server/main.go", "cmd/bot/main.go",
		"client/src/main.ts", "client/tsconfig.json", "client/src/gen/game/v1/game_pb.ts", "client/src/gen/game/v1/game_gamesrv.ts",
		"client/vendor/gamesrv-client/package.json", "client/vendor/gamesrv-client/tsconfig.json", "client/vendor/gamesrv-client/src/index.ts",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("%s not written", want)
		}
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("{{")) || bytes.Contains(b, []byte("<no value>")) {
			t.Errorf("%s: template text left", name)
		}
		if strings.HasSuffix(name, ".go") {
			if f, err := format.Source(b); err != nil || !bytes.Equal(f, b) {
				t.Errorf("%s is not gofmt'ed (%v)", name, err)
			}
		}
		if bytes.Contains(b, []byte(TemplateModule)) {
			t.Errorf("%s mentions the template's module %s", name, TemplateModule)
		}
	}
	gomod := read(t, dir, "go.mod")
	for _, want := range []string{"module example.org/studio/mygame\n", "require github.com/gamesrv/gamesrv v0.0.0\n",
		"replace github.com/gamesrv/gamesrv => ../gamesrv\n", "\tgithub.com/gamesrv/gamesrv/protoc-gen-gamesrv\n",
		"\tgoogle.golang.org/protobuf/cmd/protoc-gen-go\n", "go " + goVersion + "\n"} {
		if !strings.Contains(gomod, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, gomod)
		}
	}
	if s := read(t, dir, "proto/game/v1/game.proto"); !strings.Contains(s, `option go_package = "example.org/studio/mygame/gen/game/v1;gamev1";`) {
		t.Errorf("game.proto's go_package:\n%s", s)
	}
	var pkg struct {
		Name         string            `json:"name"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal([]byte(read(t, dir, "package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Name != "mygame" || pkg.Dependencies["@gamesrv/client"] != "file:client/vendor/gamesrv-client" {
		t.Errorf("package.json: %+v", pkg)
	}

	if _, err := Write(dir, Config{Module: "example.org/other"}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("writing into a non-empty directory: %v", err)
	}
}

// TestWritePublished: without Replace, go.mod requires the runtime's own
// version and has no replace directive.
func TestWritePublished(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, Config{Module: "example.com/game/v2"}); err != nil {
		t.Fatal(err)
	}
	gomod := read(t, dir, "go.mod")
	if strings.Contains(gomod, "replace") || !regexp.MustCompile(`require github.com/gamesrv/gamesrv v\d+\.\d+\.\d+\n`).MatchString(gomod) {
		t.Errorf("go.mod:\n%s", gomod)
	}
	if s := read(t, dir, "README.md"); !strings.HasPrefix(s, "# game\n") {
		t.Errorf("README's title, want the element before /v2:\n%.40s", s)
	}
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// descriptor is a FileDescriptorProto with options around go_package, so
// that the rewrite must keep what precedes and follows it.
func descriptor(goPackage string) *descriptorpb.FileDescriptorProto {
	return &descriptorpb.FileDescriptorProto{
		Name:        proto.String("game/v1/game.proto"),
		Package:     proto.String("game.v1"),
		Dependency:  []string{"gamesrv/v1/options.proto"},
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("JoinRequest")}},
		Options: &descriptorpb.FileOptions{
			JavaPackage: proto.String("com.example.game"),
			GoPackage:   proto.String(goPackage),
			Deprecated:  proto.Bool(true),
		},
		Syntax: proto.String("proto3"),
	}
}

func TestRetargetDescriptor(t *testing.T) {
	tests := []struct {
		name, goPackage, want string
		changed               bool
	}{
		{"package under the module", "example.com/mygame/gen/game/v1;gamev1", "example.org/studio/mygame/gen/game/v1;gamev1", true},
		{"the module itself", "example.com/mygame", "example.org/studio/mygame", true},
		{"another module", "github.com/gamesrv/gamesrv/proto/gamesrv/v1;gamesrvv1", "github.com/gamesrv/gamesrv/proto/gamesrv/v1;gamesrvv1", false},
		{"a longer module name", "example.com/mygame2/gen", "example.com/mygame2/gen", false},
		{"a length over 127 bytes", "example.com/mygame/" + strings.Repeat("x", 200), "example.org/studio/mygame/" + strings.Repeat("x", 200), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(descriptor(tt.goPackage))
			if err != nil {
				t.Fatal(err)
			}
			out, changed, err := retargetDescriptor(b, TemplateModule, "example.org/studio/mygame")
			if err != nil || changed != tt.changed {
				t.Fatalf("changed %v, err %v; want changed %v", changed, err, tt.changed)
			}
			want, _ := proto.MarshalOptions{Deterministic: true}.Marshal(descriptor(tt.want))
			if !bytes.Equal(out, want) {
				t.Errorf("got %x\nwant %x", out, want)
			}
		})
	}
}

// TestRetargetGenerated moves the committed generated files to another
// module and back: the round trip gives the same bytes, and the moved
// descriptors name the new module (what TestNew in cmd/gamesrv checks
// against buf generate in a real module).
func TestRetargetGenerated(t *testing.T) {
	for _, name := range []string{"gen/game/v1/game.pb.go", "client/src/gen/game/v1/game_pb.ts", "client/src/gen/gamesrv/v1/options_pb.ts"} {
		t.Run(name, func(t *testing.T) {
			src, err := files.ReadFile("files/" + name + ".gen")
			if err != nil {
				t.Fatal(err)
			}
			moved, err := retarget(name, src, TemplateModule, "example.org/studio/mygame")
			if err != nil {
				t.Fatal(err)
			}
			isOptions := strings.Contains(name, "options")
			if bytes.Equal(moved, src) != isOptions {
				t.Errorf("changed: %v; want a change only outside the gamesrv options", !bytes.Equal(moved, src))
			}
			back, err := retarget(name, moved, "example.org/studio/mygame", TemplateModule)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, src) {
				t.Errorf("the round trip changed the file at line %d", firstDiff(back, src))
			}
			if strings.HasSuffix(name, ".go") && !bytes.Contains(moved, []byte(`Z,example.org/studio/mygame/gen/game/v1;gamev1b`)) {
				t.Errorf("the moved rawDesc lacks the new go_package")
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// FuzzRetargetDescriptor: any input gives an error or a message that a
// second rewrite leaves as it is (the go_package no longer matches), never
// a panic.
func FuzzRetargetDescriptor(f *testing.F) {
	b, _ := proto.Marshal(descriptor("example.com/mygame/gen;x"))
	f.Add(b)
	f.Add([]byte{0x42, 0x03, 0x5a, 0x01, 'x'})
	f.Fuzz(func(t *testing.T, in []byte) {
		out, _, err := retargetDescriptor(in, TemplateModule, "example.org/other")
		if err != nil {
			return
		}
		again, changed, err := retargetDescriptor(out, TemplateModule, "example.org/other")
		if err != nil || changed || !bytes.Equal(again, out) {
			t.Errorf("a second rewrite: changed %v, err %v", changed, err)
		}
	})
}

// TestVersionsAreTheRepositorys: the new module pins what this repository
// builds and tests with (go line, npm packages).
func TestVersionsAreTheRepositorys(t *testing.T) {
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(gomod, []byte("\ngo "+goVersion+"\n")) {
		t.Errorf("goVersion %s is not the go line of the repository's go.mod", goVersion)
	}
	b, err := os.ReadFile("../../package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"@bufbuild/buf": npmPins.Buf, "@bufbuild/protoc-gen-es": npmPins.ProtocGenES, "@bufbuild/protobuf": npmPins.Protobuf,
		"typescript": npmPins.TypeScript, "@types/node": npmPins.TypesNode,
	} {
		if got := pkg.DevDependencies[name]; got != v {
			t.Errorf("%s: the scaffold pins %s, the repository %s", name, v, got)
		}
	}
	c, err := readClient()
	if err != nil {
		t.Fatal(err)
	}
	if c.Protobuf != npmPins.Protobuf {
		t.Errorf("@gamesrv/client needs @bufbuild/protobuf %s, the scaffold pins %s", c.Protobuf, npmPins.Protobuf)
	}
}
