package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// TestChartPeer checks that a row with a peer figure gets a third bar, in
// the peer colour and named after the peer, scaled with the other two, and
// that the chart grows to hold it; a peer without a figure (its CPU not
// measured) draws nothing.
func TestChartPeer(t *testing.T) {
	row := Row{ID: "1", Name: "server CPU per request", Unit: "µs/req", Measured: 10, MeasuredName: "gamesrv",
		Baseline: 8, BaselineName: "bare gnet", Better: "lower", Pass: true}
	measured := row
	measured.Peer = &Peer{Name: "pitaya", Value: 40}
	unmeasured := row
	unmeasured.Peer = &Peer{Name: "pitaya"}
	plain := chart(&results.File{Rows: []Row{row, unmeasured}})
	peered := chart(&results.File{Rows: []Row{row, measured}})
	if strings.Contains(plain, colourPeer) {
		t.Error("a peer without a figure got a bar")
	}
	if !strings.Contains(peered, `fill="`+colourPeer+`"`) || !strings.Contains(peered, ">pitaya<") {
		t.Errorf("no peer bar named pitaya in\n%s", peered)
	}
	if want := `width="` + strconv.Itoa(barMax) + `" height="18" fill="` + colourPeer; !strings.Contains(peered, want) {
		t.Errorf("the peer, the largest figure, is not the longest bar (%q) in\n%s", want, peered)
	}
	if len(peered) <= len(plain) || !strings.Contains(peered, `height="`+strconv.Itoa(chartTop+20+2*groupHeight+barStep)+`"`) {
		t.Errorf("the chart did not grow by one bar for the peer:\n%s", peered)
	}
	path := filepath.Join(t.TempDir(), "chart.svg")
	if err := os.WriteFile(path, []byte(peered), 0o644); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, path, 2)
}
