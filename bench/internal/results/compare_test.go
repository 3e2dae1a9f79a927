package results

import (
	"strings"
	"testing"
)

// TestCompare judges changes of figures and ratios in both directions,
// with and without the old run's rounds.
func TestCompare(t *testing.T) {
	cpu := func(m, ratio float64, rounds, ratioRounds []float64, pass bool) Row {
		return Row{ID: "1", Name: "cpu", Unit: "µs/req", Better: "lower", RatioBetter: "lower", Measured: m, Ratio: ratio, RatioText: "r",
			Rounds: rounds, RatioRounds: ratioRounds, Pass: pass}
	}
	tput := func(m, ratio float64) Row {
		return Row{ID: "2a", Name: "tput", Unit: "req/s", Better: "higher", Measured: m, Ratio: ratio, RatioText: "r", Pass: true}
	}
	dispatch := func(m, speedup float64) Row { // old runs: no ratio_better, the text says faster
		return Row{ID: "4", Name: "dispatch", Unit: "ns/op", Better: "lower", Measured: m, Ratio: speedup, RatioText: "30× faster", Pass: true}
	}
	tests := []struct {
		name               string
		old, new           Row
		figure, ratio      string
		regressed          bool
		figChange, ratChng float64
	}{
		{"same", cpu(6, 1.2, nil, nil, true), cpu(6.3, 1.25, nil, nil, true), VerdictSame, VerdictSame, false, 0.05, 0.0417},
		{"cpu better", cpu(6, 1.2, nil, nil, true), cpu(5, 1.0, nil, nil, true), VerdictBetter, VerdictBetter, false, -0.1667, -0.1667},
		{"cpu worse", cpu(6, 1.2, nil, nil, true), cpu(7, 1.5, nil, nil, true), VerdictWorse, VerdictRegression, false, 0.1667, 0.25},
		{"cpu worse within the old rounds", cpu(6, 1.2, []float64{5.5, 7.5}, []float64{1.1, 1.6}, true), cpu(7, 1.5, nil, nil, true),
			VerdictSpread, VerdictSpread, false, 0.1667, 0.25},
		{"budget lost", cpu(5.9, 1.2, nil, nil, true), cpu(6.1, 1.2, nil, nil, false), VerdictSame, VerdictSame, true, 0.0339, 0},
		{"throughput down", tput(100, 0.9), tput(80, 0.7), VerdictWorse, VerdictRegression, true, -0.2, -0.2222},
		{"throughput up", tput(100, 0.7), tput(120, 0.9), VerdictBetter, VerdictBetter, false, 0.2, 0.2857},
		{"speed-up down", dispatch(50, 30), dispatch(60, 20), VerdictWorse, VerdictRegression, true, 0.2, -0.3333},
		{"speed-up up", dispatch(60, 20), dispatch(50, 30), VerdictBetter, VerdictBetter, false, -0.1667, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := Compare(&File{Rows: []Row{tt.old}}, &File{Rows: []Row{tt.new}}, 0.1)
			if len(cs) != 1 {
				t.Fatalf("%d changes", len(cs))
			}
			c := cs[0]
			if c.FigureVerdict != tt.figure || c.RatioVerdict != tt.ratio {
				t.Errorf("verdicts %q, %q; want %q, %q", c.FigureVerdict, c.RatioVerdict, tt.figure, tt.ratio)
			}
			wantRegressed := tt.regressed || tt.ratio == VerdictRegression
			if c.Regressed() != wantRegressed {
				t.Errorf("regressed %v, want %v", c.Regressed(), wantRegressed)
			}
			if !near(c.Figure, tt.figChange) || !near(c.Ratio, tt.ratChng) {
				t.Errorf("changes %.4f, %.4f; want %.4f, %.4f", c.Figure, c.Ratio, tt.figChange, tt.ratChng)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 0.001 && b-a < 0.001 }

// TestCompareRowsInOneRun: rows only in the new run are new, rows only in
// the old run are gone; neither is a regression.
func TestCompareRowsInOneRun(t *testing.T) {
	old := &File{Date: "d1", CPUs: 2, Rows: []Row{{ID: "1", Name: "a", Measured: 1, Ratio: 1}, {ID: "9", Name: "old only", Measured: 1, Ratio: 1}}}
	new := &File{Date: "d2", CPUs: 4, Quick: true, Rows: []Row{{ID: "1", Name: "a", Measured: 1, Ratio: 1}, {ID: "3b", Name: "new only", Measured: 1, Ratio: 1}}}
	cs := Compare(old, new, 0.1)
	var got []string
	for _, c := range cs {
		got = append(got, c.ID+":"+c.FigureVerdict)
		if c.Regressed() {
			t.Errorf("row %s regressed", c.ID)
		}
	}
	if strings.Join(got, " ") != "1:same 3b:new 9:gone" {
		t.Errorf("changes %v", got)
	}
	table := Table(old, new, cs, 0.1)
	for _, want := range []string{"different CPU counts: 2 and 4", "quick run", "| 3b | new only |", "| 9 | old only |", "0 regression(s)"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// TestWarningsLoad: a run on a machine loaded beyond its CPUs is named.
func TestWarningsLoad(t *testing.T) {
	calm := &File{Date: "calm", CPUs: 2, Machine: Machine{LoadBefore: []float64{0.5, 0.5, 0.5}, LoadAfter: []float64{1.9, 1, 1}}}
	busy := &File{Date: "busy", CPUs: 2, Machine: Machine{LoadBefore: []float64{3.1, 2, 2}}}
	if w := Warnings(calm, calm); len(w) != 0 {
		t.Errorf("calm runs: %q", w)
	}
	w := Warnings(calm, busy)
	if len(w) != 1 || !strings.Contains(w[0], "busy") {
		t.Errorf("busy run: %q", w)
	}
}

// TestDocTable renders rounds and a peer column.
func TestDocTable(t *testing.T) {
	f := &File{Date: "2026-12-06T17:00:00Z", Commit: "abc1234", CPUs: 2, Go: "go1.26.8", Elapsed: "5m",
		Machine: Machine{CPUModel: "Some CPU", LoadBefore: []float64{1.5, 1, 1}, LoadAfter: []float64{2.5, 1, 1}},
		Rows: []Row{
			{ID: "1", Name: "cpu", Unit: "µs/req", Measured: 6, MeasuredName: "gamesrv", Baseline: 5, BaselineName: "bare gnet", RatioText: "1.2×",
				Budget: "≤ 6 µs", Pass: true, Rounds: []float64{5.5, 6, 7.25}, Peer: &Peer{Name: "pitaya", Value: 30, VsMeasured: 5}},
			{ID: "4", Name: "dispatch", Unit: "ns/op", Measured: 50, MeasuredName: "generated", Baseline: 1500, BaselineName: "reflect", RatioText: "30× faster", Budget: "≥ 5×"},
		}}
	got := DocTable(f)
	for _, want := range []string{
		"The run of 2026-12-06 (commit abc1234; 2 CPUs, Some CPU; go1.26.8; load average 1.50 at the start, 2.50 at the end; run time 5m)",
		"| # | figure | gamesrv | baseline | pitaya | ratio | budget | pass | gamesrv rounds |",
		"| 1 | cpu | 6.00 µs/req (gamesrv) | 5.00 µs/req (bare gnet) | 30.0 µs/req (5.00× gamesrv) | 1.2× | ≤ 6 µs | PASS | 3, 5.50–7.25 µs/req |",
		"| 4 | dispatch | 50.0 ns/op (generated) | 1500 ns/op (reflect) | — | 30× faster | ≥ 5× | FAIL | — |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

// TestFormatValue: the suite's precision rules.
func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{1234567: "1 234 567 B", 123.4: "123 B", 12.34: "12.3 B", 1.234: "1.23 B"} {
		if got := FormatValue(v, "B"); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
