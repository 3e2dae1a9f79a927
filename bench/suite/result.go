package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// Row is one line of the results: a figure of docs/architecture.md#budgets measured for
// gamesrv and for its baseline.
type Row struct {
	// ID is the row's number in docs/architecture.md#budgets order ("1", "2a"...).
	ID string `json:"id"`
	// Name is the figure.
	Name string `json:"name"`
	// Measured is gamesrv's figure, in Unit.
	Measured float64 `json:"measured"`
	// MeasuredName says what Measured is ("gamesrv", "KCP"...).
	MeasuredName string `json:"measured_name"`
	// Unit is the unit of Measured and Baseline.
	Unit string `json:"unit"`
	// Baseline is the baseline's figure, in Unit.
	Baseline float64 `json:"baseline"`
	// BaselineName says what the baseline is.
	BaselineName string `json:"baseline_name"`
	// Ratio is Measured / Baseline, or for the dispatch row Baseline /
	// Measured (the speed-up); RatioText says which.
	Ratio float64 `json:"ratio"`
	// RatioText is the ratio as the table prints it.
	RatioText string `json:"ratio_text"`
	// Budget is the budget of docs/architecture.md#budgets.
	Budget string `json:"budget"`
	// Pass reports whether the budget is met and every check held.
	Pass bool `json:"pass"`
	// Better is "lower" or "higher": which way Measured improves.
	Better string `json:"better"`
	// Details says exactly what was measured, with the secondary figures.
	Details string `json:"details"`
	// Checks are the row's correctness checks: that it measured what it
	// claims. A failed check fails the row.
	Checks []Check `json:"checks,omitempty"`
	// Rounds are gamesrv's per-round values (in Unit) when the row takes
	// the median of several rounds; Measured is their median.
	Rounds []float64 `json:"rounds,omitempty"`
	// BaselineRounds are the baseline's per-round values, in the same
	// rounds.
	BaselineRounds []float64 `json:"baseline_rounds,omitempty"`
	// RatioRounds are the per-round ratios when Ratio is their median.
	RatioRounds []float64 `json:"ratio_rounds,omitempty"`
	// Spread is (max - min) / median of Rounds: how much the rounds
	// disagree; 0 without rounds.
	Spread float64 `json:"spread"`
	// RatioBetter is "lower" or "higher": which way Ratio improves (the
	// dispatch row's ratio is a speed-up).
	RatioBetter string `json:"ratio_better"`
	// Peer is the external server's figure (-peer), when one was measured.
	Peer *Peer `json:"peer,omitempty"`
}

// withRounds records the per-round values of gamesrv and the baseline,
// and their spread.
func (row Row) withRounds(measured, baseline []float64) Row {
	row.Rounds, row.BaselineRounds = measured, baseline
	row.Spread = spreadOf(measured)
	return row
}

// spreadOf returns (max - min) / median of v, or 0.
func spreadOf(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	med := s[len(s)/2]
	if med == 0 {
		return 0
	}
	return (s[len(s)-1] - s[0]) / med
}

// Check is a correctness check a row makes besides its budget: every
// request answered, every idle connection still open, the broadcast
// encoded once...
type Check struct {
	// Name says what is checked (one of the check* constants).
	Name string `json:"name"`
	// OK reports whether it held.
	OK bool `json:"ok"`
	// Detail gives the figures behind it.
	Detail string `json:"detail,omitempty"`
}

// The checks rows make.
const (
	checkAnswered    = "every request answered"
	checkProbedOpen  = "probed connections open"
	checkRSSSettled  = "RSS settled"
	checkNoAllocs    = "no allocation besides the request"
	checkSessions    = "every session open"
	checkDelivered   = "every member got every broadcast"
	checkEncodedOnce = "encoded once"
	checkLossApplied = "loss applied"
)

// withChecks attaches checks to row: a failed check fails the row, and the
// details end with every check.
func (row Row) withChecks(checks ...Check) Row {
	row.Checks = checks
	parts := make([]string, len(checks))
	for i, c := range checks {
		row.Pass = row.Pass && c.OK
		parts[i] = c.String()
	}
	row.Details += "; checks: " + strings.Join(parts, "; ")
	return row
}

// String is the check as the details print it.
func (c Check) String() string {
	verdict := "ok"
	if !c.OK {
		verdict = "FAILED"
	}
	if c.Detail == "" {
		return c.Name + ": " + verdict
	}
	return fmt.Sprintf("%s: %s (%s)", c.Name, verdict, c.Detail)
}

// Results is what a run writes as JSON.
type Results struct {
	// Date is when the run started (RFC 3339).
	Date string `json:"date"`
	// Go is the Go version that built the suite.
	Go string `json:"go"`
	// CPUs is the number of CPUs of the machine.
	CPUs int `json:"cpus"`
	// Commit is the git revision measured, noting local changes to the
	// runtime.
	Commit string `json:"commit"`
	// CommitFull is the full git revision ("" outside a repository).
	CommitFull string `json:"commit_full"`
	// Machine describes the machine and its load during the run.
	Machine Machine `json:"machine"`
	// Quick is set for the smoke run's tiny sizes.
	Quick bool `json:"quick"`
	// Elapsed is the run's duration.
	Elapsed string `json:"elapsed"`
	// Rows are the measured rows, in order.
	Rows []Row `json:"rows"`
}

func newResults(start time.Time, quick bool) *Results {
	return &Results{Date: start.Format(time.RFC3339), Go: runtime.Version(), CPUs: runtime.NumCPU(), Commit: revision(), CommitFull: fullRevision(), Machine: machine(), Quick: quick}
}

// write writes latest.json and latest.svg in dir, and copies named by the
// date of the run.
func (r *Results) write(dir string, start time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	js = append(js, '\n')
	svg := []byte(chart(r))
	day := start.Format("2006-01-02")
	var written []string
	for _, f := range []struct {
		name string
		data []byte
	}{{"latest.json", js}, {"latest.svg", svg}, {day + ".json", js}, {day + ".svg", svg}} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// table renders the rows as a Markdown table (readable as plain text too).
func (r *Results) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gamesrv benchmark suite: %s, commit %s, %s, %d CPUs, run time %s\n\n", r.Date, r.Commit, r.Go, r.CPUs, r.Elapsed)
	peer := r.peerName()
	if peer == "" {
		b.WriteString("| # | figure | gamesrv | baseline | ratio | budget | pass |\n")
		b.WriteString("|---|---|---|---|---|---|---|\n")
	} else {
		fmt.Fprintf(&b, "| # | figure | gamesrv | baseline | %s | ratio | budget | pass |\n", peer)
		b.WriteString("|---|---|---|---|---|---|---|---|\n")
	}
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s (%s) | %s (%s) | ", row.ID, row.Name,
			formatValue(row.Measured, row.Unit), row.MeasuredName, formatValue(row.Baseline, row.Unit), row.BaselineName)
		if peer != "" {
			b.WriteString(row.peerCell() + " | ")
		}
		fmt.Fprintf(&b, "%s | %s | %s |\n", row.RatioText, row.Budget, passText(row.Pass))
	}
	b.WriteString("\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "%s. %s: %s\n", row.ID, row.Name, row.Details)
	}
	return b.String()
}

// peerName returns the name of the peer measured in some row, or "".
func (r *Results) peerName() string {
	for _, row := range r.Rows {
		if row.Peer != nil {
			return row.Peer.Name
		}
	}
	return ""
}

// peerCell is the row's peer figure as the table prints it.
func (row Row) peerCell() string {
	switch {
	case row.Peer == nil:
		return "—"
	case row.Peer.Value <= 0:
		return "not measured"
	}
	return fmt.Sprintf("%s (%.2f× gamesrv)", formatValue(row.Peer.Value, row.Unit), row.Peer.VsMeasured)
}

func passText(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// formatValue prints v with its unit and a precision that suits it.
func formatValue(v float64, unit string) string { return results.FormatValue(v, unit) }

// short rounds d to about three significant digits for the details.
func short(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(10 * time.Nanosecond)
}

// revision returns the git commit of the working tree, noting uncommitted
// changes under runtime/ (what the servers are built from), or "unknown".
func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--", "runtime").Output(); err == nil && len(st) > 0 {
		rev += " + uncommitted runtime/ changes"
	}
	return rev
}
