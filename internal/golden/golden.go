// Package golden compares generated files with the copies committed under
// a directory (golden files) and rewrites them on request: the tests of
// both protoc plugins use it.
package golden

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Check compares files (path → content) with the files under dir: each
// must be there with that content, and dir must hold no other file. With
// update set it rewrites dir to hold files instead. Failures name regen,
// the command that rewrites dir ("go test ./protoc-gen-gamesrv -update").
func Check(t testing.TB, dir string, files map[string]string, update bool, regen string) {
	t.Helper()
	if update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		WriteFiles(t, files)
		return
	}
	for name, content := range files {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%v (run %s)", err, regen)
			continue
		}
		if string(got) != content {
			t.Errorf("%s is out of date (run %s):\n%s", name, regen, Diff(string(got), content))
		}
	}
	for _, name := range ListFiles(t, dir) {
		if _, ok := files[name]; !ok {
			t.Errorf("%s is not generated any more (run %s)", name, regen)
		}
	}
}

// WriteFiles writes files (path → content), creating directories.
func WriteFiles(t testing.TB, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ListFiles lists the files under dir, which may not exist.
func ListFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

// Diff returns the first line where want (on disk) and got (generated)
// differ, with three lines of context on each side; "" when they are
// equal.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			lo := max(0, i-3)
			return "line " + strconv.Itoa(i+1) + ":\n--- want\n" + strings.Join(w[lo:min(len(w), i+4)], "\n") +
				"\n+++ got\n" + strings.Join(g[lo:min(len(g), i+4)], "\n")
		}
	}
	return ""
}
