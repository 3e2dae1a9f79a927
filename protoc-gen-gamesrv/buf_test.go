package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/apispec/apispectest"
	"github.com/gamesrv/gamesrv/internal/golden"
	gamesrvv1 "github.com/gamesrv/gamesrv/proto/gamesrv/v1"
)

// TestBufStrategyAll runs the plugin under buf on two directories whose
// services share a push route, as docs/proto.md describes: with buf's
// default strategy (one invocation per directory) both generate; with
// strategy: all the plugin sees both and fails naming them. It builds the
// plugin and runs buf, so -short skips it.
func TestBufStrategyAll(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin and runs buf")
	}
	buf, err := filepath.Abs(bufPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(buf); err != nil {
		t.Fatalf("buf is missing (%v): run `npm ci` at the repository root (make test and make generate do)", err)
	}
	plugin := filepath.Join(t.TempDir(), "protoc-gen-gamesrv")
	if out, err := exec.Command("go", "build", "-o", plugin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	files := map[string]string{filepath.Join(dir, filepath.FromSlash(apispectest.OptionsPath)): string(gamesrvv1.OptionsProto())}
	for _, d := range []string{"a", "b"} {
		files[filepath.Join(dir, d, "v1", d+".proto")] = strings.ReplaceAll(`syntax = "proto3";
package X.v1;
import "gamesrv/v1/options.proto";
option go_package = "example.com/game/gen;gen";
message Msg {}
service PushService {
  option (gamesrv.v1.service) = {server_type: "X"};
  rpc OnEvent(Msg) returns (Msg) { option (gamesrv.v1.method) = {kind: METHOD_KIND_PUSH, route: "onEvent"}; }
}
`, "X", d)
	}
	template := "version: v2\nplugins:\n  - local: " + plugin + "\n    out: gen\n    opt: paths=source_relative\n"
	files[filepath.Join(dir, "buf.gen.yaml")] = template
	files[filepath.Join(dir, "buf.gen.all.yaml")] = template + "    strategy: all\n"
	golden.WriteFiles(t, files)

	generate := func(template string) (string, error) {
		cmd := exec.Command(buf, "generate", "--template", template)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := generate("buf.gen.yaml"); err != nil {
		t.Fatalf("strategy directory: %v\n%s", err, out)
	}
	for _, f := range []string{"gen/a/v1/a_gamesrv.pb.go", "gen/b/v1/b_gamesrv.pb.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("strategy directory: %v", err)
		}
	}
	out, err := generate("buf.gen.all.yaml")
	if want := `b.v1.PushService.OnEvent: route "onEvent" is already the route of a.v1.PushService.OnEvent`; err == nil || !strings.Contains(out, want) {
		t.Errorf("strategy all: %v\n%s\nwant a failure with %s", err, out, want)
	}
}
