package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// TestCommittedTableMatchesResults fails when the results table of
// docs/measuring.md was not regenerated after bench/results/latest.json
// changed (run go run ./bench/doctable), like make check-generated.
func TestCommittedTableMatchesResults(t *testing.T) {
	stale, err := update("../results/latest.json", "../../docs/measuring.md", false)
	if err != nil {
		t.Fatal(err)
	}
	if stale {
		t.Fatal("docs/measuring.md's results table differs from bench/results/latest.json: run go run ./bench/doctable and commit")
	}
}

// TestUpdate writes a stale table and then finds it current.
func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.md")
	text := "intro\n\n" + results.BeginMarker + "\nold table\n" + results.EndMarker + "\n\nafter\n"
	if err := os.WriteFile(doc, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if stale, err := update("../results/latest.json", doc, true); err != nil || !stale {
		t.Fatalf("first update: stale %v, err %v; want a stale table rewritten", stale, err)
	}
	if stale, err := update("../results/latest.json", doc, false); err != nil || stale {
		t.Fatalf("second update: stale %v, err %v; want the table current", stale, err)
	}
	b, _ := os.ReadFile(doc)
	got := string(b)
	if strings.Contains(got, "old table") || !strings.HasPrefix(got, "intro\n") || !strings.HasSuffix(got, "after\n") || !strings.Contains(got, "| 1 | ") {
		t.Errorf("rewritten file:\n%s", got)
	}
	if err := os.WriteFile(doc, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := update("../results/latest.json", doc, true); err == nil {
		t.Error("a file without markers was accepted")
	}
}
