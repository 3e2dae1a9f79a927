// Package results reads the JSON that the benchmark suite (bench/suite)
// writes, compares two runs figure by figure, and renders the results
// table of docs/measuring.md from the latest run.
package results

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// File is one run of the suite: bench/results/latest.json and its dated
// copies.
type File struct {
	Date       string  `json:"date"`
	Go         string  `json:"go"`
	CPUs       int     `json:"cpus"`
	Commit     string  `json:"commit"`
	CommitFull string  `json:"commit_full"`
	Machine    Machine `json:"machine"`
	Quick      bool    `json:"quick"`
	Elapsed    string  `json:"elapsed"`
	Rows       []Row   `json:"rows"`
}

// Machine is the machine a run measured on (empty in runs before it was
// recorded).
type Machine struct {
	CPUModel   string    `json:"cpu_model"`
	Kernel     string    `json:"kernel"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	MemTotal   int64     `json:"mem_total"`
	LoadBefore []float64 `json:"load_before"`
	LoadAfter  []float64 `json:"load_after"`
}

// Row is one figure of a run, measured for gamesrv and its baseline.
type Row struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Measured       float64   `json:"measured"`
	MeasuredName   string    `json:"measured_name"`
	Unit           string    `json:"unit"`
	Baseline       float64   `json:"baseline"`
	BaselineName   string    `json:"baseline_name"`
	Ratio          float64   `json:"ratio"`
	RatioText      string    `json:"ratio_text"`
	Budget         string    `json:"budget"`
	Pass           bool      `json:"pass"`
	Better         string    `json:"better"`
	Details        string    `json:"details"`
	Checks         []Check   `json:"checks,omitempty"`
	Rounds         []float64 `json:"rounds,omitempty"`
	BaselineRounds []float64 `json:"baseline_rounds,omitempty"`
	RatioRounds    []float64 `json:"ratio_rounds,omitempty"`
	Spread         float64   `json:"spread"`
	RatioBetter    string    `json:"ratio_better"`
	Peer           *Peer     `json:"peer,omitempty"`
}

// Check is a row's correctness check.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Peer is the figure of an external server measured beside gamesrv.
type Peer struct {
	Name       string    `json:"name"`
	Addr       string    `json:"addr"`
	Route      string    `json:"route"`
	Value      float64   `json:"value"`
	Rounds     []float64 `json:"rounds,omitempty"`
	VsMeasured float64   `json:"vs_measured"`
	Note       string    `json:"note,omitempty"`
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
