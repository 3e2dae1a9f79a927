package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"github.com/gamesrv/gamesrv/internal/golden"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/pluginpb"
)

// repoRoot is the repository, relative to this package.
const repoRoot = ".."

// exampleDirs hold the examples' generated TypeScript (make generate).
var exampleDirs = []string{"examples/chat/web/src/gen", "examples/cluster/gen/ts"}

// strictOptions are the compiler options of the contract check: --strict
// and the stricter settings game projects use, so that the stubs compile
// under any of them.
var strictOptions = map[string]any{
	"strict":                             true,
	"noEmit":                             true,
	"target":                             "es2022",
	"lib":                                []string{"es2022", "dom"},
	"skipLibCheck":                       true,
	"noUnusedLocals":                     true,
	"noUnusedParameters":                 true,
	"noImplicitReturns":                  true,
	"noImplicitOverride":                 true,
	"noUncheckedIndexedAccess":           true,
	"exactOptionalPropertyTypes":         true,
	"noPropertyAccessFromIndexSignature": true,
	"verbatimModuleSyntax":               true,
	"isolatedModules":                    true,
	"forceConsistentCasingInFileNames":   true,
}

// usageTS uses the chat golden as a game client does; the lines marked
// @ts-expect-error must not compile (tsc fails if they do).
const usageTS = `import type { Conn } from "@gamesrv/client";
import { RoomServiceClient, RoomServiceRoutes, registerRoomServicePushHandler } from "./chat/v1/chat_gamesrv.js";
import type { JoinResponse } from "./chat/v1/chat_pb.js";

export async function play(conn: Conn): Promise<string[]> {
  const off = registerRoomServicePushHandler(conn, {
    onMessage(m) {
      const from: string = m.from;
      console.log(from, m.text);
    },
  });
  const rooms = new RoomServiceClient(conn);
  const res: JoinResponse = await rooms.join({ room: "lobby", name: "ann" });
  await rooms.say({ text: "hello" }, { timeoutMs: 100, signal: AbortSignal.timeout(1000) });
  const route: "chat.roomservice.join" = RoomServiceRoutes.join;
  console.log(route);
  // @ts-expect-error: internal methods never appear
  await rooms.countPlayers({ room: "lobby" });
  // @ts-expect-error: internal routes never appear
  console.log(RoomServiceRoutes.countPlayers);
  // @ts-expect-error: requests are typed
  await rooms.join({ room: 1 });
  // @ts-expect-error: a notify resolves to nothing
  const nothing: JoinResponse = await rooms.say({});
  console.log(nothing);
  off();
  return res.members;
}
`

// TestTypeCheck compiles every golden file with tsc --strict (and
// stricter options) together with protoc-gen-es's output for the same
// protos, run from node_modules on the same request, against the
// interface of @gamesrv/client that docs/typescript.md states
// (testdata/gamesrv-client.d.ts); with the examples' generated
// TypeScript. When clients/ts exists, it compiles them once more against
// the real runtime. It needs the root node_modules (npm ci); -short skips
// it.
func TestTypeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node and tsc")
	}
	node := findNodeTools(t)
	dir := t.TempDir()
	stub, err := filepath.Abs("testdata/gamesrv-client.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	roots := writeTypeCheckTrees(t, node, dir)
	examples := exampleFiles(t)
	t.Run("contract", func(t *testing.T) {
		checkTypes(t, node, filepath.Join(dir, "nodenext.json"), tsconfig(t, strictOptions, "nodenext", stub, []string{roots["js"]}))
		// The examples' files are modules of a package without "type":
		// "module", which nodenext would compile as CommonJS.
		checkTypes(t, node, filepath.Join(dir, "bundler.json"), tsconfig(t, strictOptions, "bundler", stub, append(slices.Clone(examples), roots["ts"], roots[""])))
	})
	t.Run("runtime", func(t *testing.T) {
		runtime, err := filepath.Abs(filepath.Join(repoRoot, "clients", "ts", "src", "index.ts"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(runtime); err != nil {
			t.Skipf("no @gamesrv/client yet (%v): checked against the contract only", err)
		}
		opts := map[string]any{
			"strict": true, "noEmit": true, "target": "es2022", "lib": []string{"es2022", "dom"}, "skipLibCheck": true,
			"typeRoots": []string{filepath.Join(node.modules, "@types")},
		}
		checkTypes(t, node, filepath.Join(dir, "runtime.json"), tsconfig(t, opts, "bundler", runtime, append(slices.Clone(examples), roots["js"])))
	})
}

// nodeTools are the node binary and the root node_modules.
type nodeTools struct {
	node, modules string
}

// findNodeTools finds node and the packages npm ci installs, or fails the test
// saying how to get them.
func findNodeTools(t *testing.T) nodeTools {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (%v): TestTypeCheck runs protoc-gen-es and tsc under Node", err)
	}
	modules, err := filepath.Abs(filepath.Join(repoRoot, "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"@bufbuild/protoc-gen-es/bin/protoc-gen-es", "typescript/bin/tsc", "@bufbuild/protobuf/package.json"} {
		if _, err := os.Stat(filepath.Join(modules, f)); err != nil {
			t.Fatalf("node_modules is missing or incomplete (%v): run `npm ci` at the repository root (make test and make generate do)", err)
		}
	}
	return nodeTools{node: node, modules: modules}
}

// writeTypeCheckTrees writes, under dir, one tree per import_extension of
// the golden cases ("js", "ts", "" for none): the golden files and
// protoc-gen-es's output for the same protos and their imports. It returns
// the trees by extension. dir/node_modules resolves @bufbuild/protobuf.
func writeTypeCheckTrees(t *testing.T, node nodeTools, dir string) map[string]string {
	t.Helper()
	if err := os.Symlink(node.modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type": "module", "private": true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	byExt := make(map[string][]goldenCase)
	for _, c := range goldenCases() {
		cfg, err := parseParameter(c.param)
		if err != nil {
			t.Fatal(err)
		}
		byExt[cfg.importExtension] = append(byExt[cfg.importExtension], c)
	}
	roots := make(map[string]string)
	for ext, cases := range byExt {
		root := filepath.Join(dir, "ext-"+cmp.Or(ext, "none"))
		roots[ext] = root
		var files []string
		for _, c := range cases {
			copyGoldens(t, goldenDir(c), root)
			files = append(files, caseFiles(t, c.dir)...)
		}
		runProtocGenES(t, node, root, withImports(t, files), "target=ts,import_extension="+cmp.Or(ext, "none"))
		if ext == "js" {
			golden.WriteFiles(t, map[string]string{filepath.Join(root, "usage.ts"): usageTS})
		}
	}
	// The runtime_import of extension_none, relative to its output root.
	stub, err := os.ReadFile("testdata/gamesrv-client.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	golden.WriteFiles(t, map[string]string{filepath.Join(dir, "vendor", "gamesrv-client", "index.d.ts"): string(stub)})
	return roots
}

// copyGoldens copies the golden files of dir to root, without .golden.
func copyGoldens(t *testing.T, dir, root string) {
	t.Helper()
	files := make(map[string]string)
	for _, name := range golden.ListFiles(t, dir) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(dir, strings.TrimSuffix(name, ".golden"))
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join(root, rel)] = string(b)
	}
	golden.WriteFiles(t, files)
}

// withImports returns files and the files they import, transitively, but
// the well-known types (protoc-gen-es imports them from
// @bufbuild/protobuf), as buf's include_imports does.
func withImports(t *testing.T, files []string) []string {
	t.Helper()
	seen := make(map[string]bool)
	var walk func(f protoreflect.FileDescriptor)
	walk = func(f protoreflect.FileDescriptor) {
		if seen[f.Path()] || strings.HasPrefix(f.Path(), "google/protobuf/") {
			return
		}
		seen[f.Path()] = true
		for i := range f.Imports().Len() {
			walk(f.Imports().Get(i).FileDescriptor)
		}
	}
	for _, f := range load(t, files...) {
		walk(f)
	}
	all := make([]string, 0, len(seen))
	for path := range seen {
		all = append(all, path)
	}
	slices.Sort(all)
	return all
}

// runProtocGenES runs protoc-gen-es from node_modules on files with
// parameter param and writes its output under root.
func runProtocGenES(t *testing.T, node nodeTools, root string, files []string, param string) {
	t.Helper()
	generated := make(map[string]string)
	for _, f := range protocGenES(t, node, files, param).GetFile() {
		generated[filepath.Join(root, filepath.FromSlash(f.GetName()))] = f.GetContent()
	}
	golden.WriteFiles(t, generated)
}

// protocGenES runs protoc-gen-es from node_modules on files with parameter
// param and returns its response, which has no error.
func protocGenES(t *testing.T, node nodeTools, files []string, param string) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	req := apispectest.NewRequest(t, load(t, files...), param)
	in, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node.node, filepath.Join(node.modules, "@bufbuild/protoc-gen-es/bin/protoc-gen-es"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("protoc-gen-es: %v\n%s", err, stderr.Bytes())
	}
	resp := new(pluginpb.CodeGeneratorResponse)
	if err := proto.Unmarshal(out, resp); err != nil {
		t.Fatalf("protoc-gen-es response: %v", err)
	}
	if resp.GetError() != "" {
		t.Fatalf("protoc-gen-es: %s", resp.GetError())
	}
	return resp
}

// TestESNames checks esNames against protoc-gen-es: for every message and
// enum of every test proto, protoc-gen-es's _pb.ts exports the type and
// the schema under the names esNames computes. -short skips it.
func TestESNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	node := findNodeTools(t)
	var files []string
	for _, c := range goldenCases() {
		files = append(files, caseFiles(t, c.dir)...)
	}
	files = withImports(t, files)
	out := make(map[string]string)
	for _, f := range protocGenES(t, node, files, "target=ts").GetFile() {
		out[f.GetName()] = f.GetContent()
	}
	checked := 0
	for _, f := range load(t, files...) {
		ts := out[strings.TrimSuffix(f.Path(), ".proto")+"_pb.ts"]
		for full, n := range esNames(f) {
			var want []string
			if isEnum(f, full) {
				want = []string{"export enum " + n.shape + " {", "export const " + n.schema + ": GenEnum<"}
			} else {
				want = []string{"export type " + n.shape + " = ", "export const " + n.schema + ": GenMessage<"}
			}
			for _, w := range want {
				if !strings.Contains(ts, "\n"+w) {
					t.Errorf("%s: %s: protoc-gen-es's %s_pb.ts has no %q", f.Path(), full, strings.TrimSuffix(f.Path(), ".proto"), w)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("checked no name")
	}
}

// isEnum reports whether full names an enum of f.
func isEnum(f protoreflect.FileDescriptor, full protoreflect.FullName) bool {
	var in func(protoreflect.EnumDescriptors, protoreflect.MessageDescriptors) bool
	in = func(enums protoreflect.EnumDescriptors, messages protoreflect.MessageDescriptors) bool {
		if enums.ByName(full.Name()) != nil && enums.ByName(full.Name()).FullName() == full {
			return true
		}
		for i := range messages.Len() {
			if m := messages.Get(i); in(m.Enums(), m.Messages()) {
				return true
			}
		}
		return false
	}
	return in(f.Enums(), f.Messages())
}

// exampleFiles returns the generated TypeScript of the examples (absolute
// paths), which must exist.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, d := range exampleDirs {
		abs, err := filepath.Abs(filepath.Join(repoRoot, d))
		if err != nil {
			t.Fatal(err)
		}
		found := golden.ListFiles(t, abs)
		if len(found) == 0 {
			t.Errorf("no generated TypeScript in %s: run make generate", d)
		}
		files = append(files, found...)
	}
	return files
}

// tsconfig returns a tsconfig.json with options opts, module resolution
// resolution ("nodenext" or "bundler"), @gamesrv/client resolved to
// runtime, for the files (or directories) include.
func tsconfig(t *testing.T, opts map[string]any, resolution, runtime string, include []string) []byte {
	t.Helper()
	compilerOptions := make(map[string]any, len(opts)+4)
	for k, v := range opts {
		compilerOptions[k] = v
	}
	compilerOptions["module"] = resolution
	compilerOptions["moduleResolution"] = resolution
	if resolution == "bundler" {
		compilerOptions["module"] = "preserve"
		compilerOptions["allowImportingTsExtensions"] = true
	}
	compilerOptions["paths"] = map[string][]string{"@gamesrv/client": {runtime}}
	var patterns []string
	for _, inc := range include {
		if strings.HasSuffix(inc, ".ts") {
			patterns = append(patterns, inc)
		} else {
			patterns = append(patterns, filepath.Join(inc, "**", "*.ts"))
		}
	}
	b, err := json.MarshalIndent(map[string]any{"compilerOptions": compilerOptions, "include": patterns}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkTypes writes config to path and runs tsc -p path.
func checkTypes(t *testing.T, node nodeTools, path string, config []byte) {
	t.Helper()
	if err := os.WriteFile(path, config, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node.node, filepath.Join(node.modules, "typescript/bin/tsc"), "-p", path, "--pretty", "false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc -p %s: %v\n%s\ntsconfig:\n%s", filepath.Base(path), err, out, config)
	}
}
