package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// TestResultsSchema: bench/compare and bench/doctable read the JSON
// through package results; every field the suite writes must be known
// there, so that a comparison never silently ignores one.
func TestResultsSchema(t *testing.T) {
	r := newResults(time.Now(), false)
	r.Elapsed = "1s"
	r.Machine.LoadAfter = []float64{1, 2, 3}
	row := Row{ID: "1", Name: "n", Measured: 2, MeasuredName: "gamesrv", Unit: "µs/req", Baseline: 1, BaselineName: "b",
		Ratio: 2, RatioText: "2×", Budget: "≤ 6 µs", Pass: true, Better: "lower", RatioBetter: "lower", Details: "d",
		RatioRounds: []float64{2}}.withRounds([]float64{1, 2, 3}, []float64{1, 1, 1}).
		withPeer(&Peer{Name: "p", Addr: "tcp://x", Route: "r", Value: 4, Rounds: []float64{4}, Note: "n"}).
		withChecks(Check{Name: checkAnswered, OK: true, Detail: "d"})
	r.Rows = []Row{row}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f results.File
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("package results does not know a field the suite writes: %v", err)
	}
	back, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, back) {
		t.Errorf("round trip through package results changed the JSON:\n%s\n%s", b, back)
	}
	if got := f.Rows[0]; got.Spread != 1 || got.Peer == nil || got.Peer.VsMeasured != 2 {
		t.Errorf("row read back: %+v", got)
	}
}
