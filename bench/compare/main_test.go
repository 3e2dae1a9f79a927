package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// TestRun compares files on disk: exit 0 without a regression, 1 with
// one, 2 on a usage error; the table names each figure.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, ratio float64) string {
		f := results.File{Date: name, CPUs: 2, Go: "go1.26.8", Commit: "abc", Rows: []results.Row{{
			ID: "2a", Name: "throughput vs bare gnet (50 connections)", Unit: "req/s", Better: "higher", RatioBetter: "higher",
			Measured: 140000 * ratio, Baseline: 140000, Ratio: ratio, RatioText: "x", Pass: ratio >= 0.7,
		}}}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	old, same, worse := write("old", 0.95), write("same", 0.93), write("worse", 0.75)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{old, same}, 0, "| 2a | throughput vs bare gnet (50 connections) | 133 000 req/s | 130 200 req/s | -2.1% | same |"},
		{[]string{old, worse}, 1, "REGRESSION"},
		{[]string{"-threshold", "0.5", old, worse}, 0, "0 regression(s)"},
		{[]string{old}, 2, "usage"},
		{[]string{old, filepath.Join(dir, "missing.json")}, 2, "missing.json"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run(tt.args, &out, &errOut); code != tt.code {
			t.Errorf("run(%q) = %d, want %d\n%s%s", tt.args, code, tt.code, out.String(), errOut.String())
		}
		if !strings.Contains(out.String()+errOut.String(), tt.want) {
			t.Errorf("run(%q): output lacks %q:\n%s%s", tt.args, tt.want, out.String(), errOut.String())
		}
	}
}

// TestCommittedResults compares the committed dated run with the latest:
// every committed file must stay readable by the comparison.
func TestCommittedResults(t *testing.T) {
	files, err := filepath.Glob("../results/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), "attack") {
			runs = append(runs, f)
		}
	}
	if len(runs) < 2 {
		t.Fatalf("committed runs: %q", runs)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{runs[0], "../results/latest.json"}, &out, &errOut); code == 2 {
		t.Fatalf("exit 2: %s", errOut.String())
	}
	if !strings.Contains(out.String(), "| 1 | ") {
		t.Errorf("no row 1:\n%s", out.String())
	}
}
