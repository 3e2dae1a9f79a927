package golden

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps the failures it is told about.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, strings.TrimSpace(strings.SplitN(fmt.Sprintf(format, args...), "\n", 2)[0]))
}

// TestCheck checks each way a directory can differ from what was
// generated, and that -update makes them equal.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	a, b, stale := filepath.Join(dir, "a.go"), filepath.Join(dir, "sub", "b.go"), filepath.Join(dir, "old.go")
	WriteFiles(t, map[string]string{a: "package a\n", b: "package b\n// old\n", stale: "package old\n"})
	files := map[string]string{
		a:                          "package a\n",
		b:                          "package b\n// new\n",
		filepath.Join(dir, "c.go"): "package c\n",
	}
	r := &recorder{TB: t}
	Check(r, dir, files, false, "regen")
	slices.Sort(r.errors)
	want := []string{
		"open " + filepath.Join(dir, "c.go") + ": no such file or directory (run regen)",
		b + " is out of date (run regen):",
		stale + " is not generated any more (run regen)",
	}
	slices.Sort(want)
	if !slices.Equal(r.errors, want) {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(r.errors, "\n"), strings.Join(want, "\n"))
	}

	Check(t, dir, files, true, "regen")
	r = &recorder{TB: t}
	Check(r, dir, files, false, "regen")
	if len(r.errors) > 0 {
		t.Errorf("after update: %q", r.errors)
	}
}

// TestDiff checks the line Diff points at.
func TestDiff(t *testing.T) {
	tests := []struct {
		want, got, wantPrefix string
	}{
		{"a\nb\nc", "a\nb\nc", ""},
		{"a\nb\nc", "a\nB\nc", "line 2:\n--- want\na\nb\nc\n+++ got\na\nB\nc"},
		{"a\nb", "a\nb\nc", "line 3:"},
		{"1\n2\n3\n4\n5\n6", "1\n2\n3\n4\n5\nx", "line 6:\n--- want\n3\n4\n5\n6\n+++ got\n3\n4\n5\nx"},
	}
	for _, tt := range tests {
		got := Diff(tt.want, tt.got)
		if (tt.wantPrefix == "") != (got == "") || !strings.HasPrefix(got, tt.wantPrefix) {
			t.Errorf("Diff(%q, %q) = %q, want it to start with %q", tt.want, tt.got, got, tt.wantPrefix)
		}
	}
}
