package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedRuns: every field of the committed runs is known to the
// types here (a comparison never silently drops one), and the latest run,
// decoded and written again as the suite writes it, is the same to the
// byte: same fields, same order, same omitempty.
func TestCommittedRuns(t *testing.T) {
	tests := []struct {
		file      string
		sameBytes bool // false for runs written before a field existed
	}{
		{"latest.json", true},
		{"2026-12-06.json", true},
		{"2026-11-21.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "results", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			var f File
			if err := dec.Decode(&f); err != nil {
				t.Fatalf("a field the types here do not declare: %v", err)
			}
			if len(f.Rows) == 0 {
				t.Fatal("no rows")
			}
			back, err := Marshal(&f)
			if err != nil {
				t.Fatal(err)
			}
			if tt.sameBytes && !bytes.Equal(back, b) {
				t.Errorf("written again, the run differs from %s:\n%s", tt.file, back)
			}
		})
	}
}

// TestWithRounds: the spread is (max - min) / median of gamesrv's rounds.
func TestWithRounds(t *testing.T) {
	tests := []struct {
		name     string
		measured []float64
		want     float64
	}{
		{"no rounds", nil, 0},
		{"one round", []float64{5}, 0},
		{"three rounds", []float64{3, 1, 2}, 1},
		{"zero median", []float64{0, 0, 4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Row{ID: "1"}.WithRounds(tt.measured, []float64{7})
			if r.Spread != tt.want || len(r.Rounds) != len(tt.measured) || len(r.BaselineRounds) != 1 || r.ID != "1" {
				t.Errorf("got %+v, want spread %v", r, tt.want)
			}
		})
	}
}
