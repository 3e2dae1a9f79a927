// Package results declares the JSON that the benchmark suite
// (bench/suite) writes ([File] and the types it holds), reads it, compares
// two runs figure by figure, and renders the results table of
// docs/measuring.md from the latest run.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// File is one run of the suite as it writes it in JSON:
// bench/results/latest.json and its dated copies.
type File struct {
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

// Machine is what a comparison of two runs needs to know about the
// machines they ran on: a figure from another CPU, or from a loaded
// machine, is not comparable. It is empty in runs before it was recorded.
type Machine struct {
	// CPUModel is the model name of /proc/cpuinfo.
	CPUModel string `json:"cpu_model"`
	// Kernel is the kernel release (/proc/sys/kernel/osrelease).
	Kernel string `json:"kernel"`
	// OS and Arch are GOOS and GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// GOMAXPROCS is the suite's.
	GOMAXPROCS int `json:"gomaxprocs"`
	// MemTotal is the machine's memory in bytes (/proc/meminfo).
	MemTotal int64 `json:"mem_total"`
	// LoadBefore and LoadAfter are the 1, 5 and 15-minute load averages
	// (/proc/loadavg) when the run started and when it ended.
	LoadBefore []float64 `json:"load_before"`
	LoadAfter  []float64 `json:"load_after"`
}

// Row is one line of the results: a figure of docs/architecture.md#budgets
// measured for gamesrv and for its baseline.
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

// Check is a correctness check a row makes besides its budget: every
// request answered, every idle connection still open, the broadcast
// encoded once...
type Check struct {
	// Name says what is checked (one of the suite's check* constants).
	Name string `json:"name"`
	// OK reports whether it held.
	OK bool `json:"ok"`
	// Detail gives the figures behind it.
	Detail string `json:"detail,omitempty"`
}

// Peer is the figure of the external server (-peer) in a row, measured in
// the same rounds as gamesrv's.
type Peer struct {
	// Name is the peer's name (-peer-name).
	Name string `json:"name"`
	// Addr is its address (-peer).
	Addr string `json:"addr"`
	// Route is the route it answered.
	Route string `json:"route"`
	// Value is its figure, in the row's unit; 0 when it was not measured
	// (CPU without -peer-pid).
	Value float64 `json:"value"`
	// Rounds are its per-round values, in the row's unit.
	Rounds []float64 `json:"rounds,omitempty"`
	// VsMeasured is Value divided by gamesrv's figure (Measured).
	VsMeasured float64 `json:"vs_measured"`
	// Note says how it was measured, or why not.
	Note string `json:"note,omitempty"`
}

// WithRounds returns r with the per-round values of gamesrv and the
// baseline, and their Spread.
func (r Row) WithRounds(measured, baseline []float64) Row {
	r.Rounds, r.BaselineRounds = measured, baseline
	r.Spread = spreadOf(measured)
	return r
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

// Marshal encodes f as the suite writes it: indented JSON ending in a
// newline.
func Marshal(f *File) ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Read reads a results file.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return &f, nil
}

// ratioBetter is which way the row's ratio improves. Runs before the
// field existed: the dispatch row's ratio is a speed-up (its text says
// "faster"), every other ratio goes the way of the figure.
func (r *Row) ratioBetter() string {
	switch {
	case r.RatioBetter != "":
		return r.RatioBetter
	case strings.Contains(r.RatioText, "faster"):
		return "higher"
	}
	return r.Better
}

// FormatValue prints v with its unit and a precision that suits it, as
// the suite's table does.
func FormatValue(v float64, unit string) string {
	switch {
	case v >= 10_000:
		return fmt.Sprintf("%s %s", thousands(v), unit)
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// thousands prints v rounded with separators: 1 234 567.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}
