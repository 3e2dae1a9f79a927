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
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// bufPath is the buf binary npm ci installs.
const bufPath = "../node_modules/.bin/buf"

// TestImagesUpToDate rebuilds every descriptor set of imagesDir with buf
// (from node_modules) from the protos of its case, testdata/proto/<case>,
// and compares. The sets stand in for protocompile, which cannot compile
// edition 2024; -update rewrites them. It runs buf, so -short skips it.
func TestImagesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs buf")
	}
	if _, err := os.Stat(bufPath); err != nil {
		t.Fatalf("buf is missing (%v): run `npm ci` at the repository root (make test and make generate do)", err)
	}
	cases := images(t)
	if len(cases) == 0 {
		t.Fatal("no descriptor set in " + imagesDir)
	}
	for _, image := range cases {
		c := strings.TrimSuffix(filepath.Base(image), ".binpb")
		t.Run(c, func(t *testing.T) {
			want := buildImage(t, c)
			if *update {
				b, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
				if err != nil {
					t.Fatal(err)
				}
				golden.WriteFiles(t, map[string]string{image: string(b)})
				return
			}
			b, err := os.ReadFile(image)
			if err != nil {
				t.Fatal(err)
			}
			got := new(descriptorpb.FileDescriptorSet)
			if err := proto.Unmarshal(b, got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, want) {
				t.Errorf("%s is out of date (run go test ./protoc-gen-gamesrv -run TestImagesUpToDate -update)", image)
			}
			apispectest.ReadImage(t, image) // it links
		})
	}
}

// buildImage runs buf build on the protos of case c and gamesrv's options,
// in a scratch workspace. The imports keep no source info: only the case's
// comments matter, and the set stays small.
func buildImage(t *testing.T, c string) *descriptorpb.FileDescriptorSet {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{filepath.Join(dir, filepath.FromSlash(apispectest.OptionsPath)): string(gamesrvv1.OptionsProto())}
	for _, f := range caseFiles(t, c) {
		b, err := os.ReadFile(filepath.Join("testdata", "proto", filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Join(dir, filepath.FromSlash(f))] = string(b)
	}
	golden.WriteFiles(t, files)
	out := filepath.Join(t.TempDir(), "image.binpb")
	cmd := exec.Command(bufPath, "build", dir, "--as-file-descriptor-set", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("buf build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	set := new(descriptorpb.FileDescriptorSet)
	if err := proto.Unmarshal(b, set); err != nil {
		t.Fatal(err)
	}
	own := make(map[string]bool)
	for _, f := range caseFiles(t, c) {
		own[f] = true
	}
	for _, f := range set.GetFile() {
		if !own[f.GetName()] {
			f.SourceCodeInfo = nil
		}
	}
	return set
}
