package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

// The suite's results are the types of package results, which bench/compare
// and bench/doctable read; the aliases keep the rows' code short.
type (
	// Row is a row of the results.
	Row = results.Row
	// Check is a row's correctness check.
	Check = results.Check
	// Peer is the external server's figure in a row.
	Peer = results.Peer
)

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
func withChecks(row Row, checks ...Check) Row {
	row.Checks = checks
	parts := make([]string, len(checks))
	for i, c := range checks {
		row.Pass = row.Pass && c.OK
		parts[i] = checkText(c)
	}
	row.Details += "; checks: " + strings.Join(parts, "; ")
	return row
}

// checkText is the check as the details print it.
func checkText(c Check) string {
	verdict := "ok"
	if !c.OK {
		verdict = "FAILED"
	}
	if c.Detail == "" {
		return c.Name + ": " + verdict
	}
	return fmt.Sprintf("%s: %s (%s)", c.Name, verdict, c.Detail)
}

// newResults starts the results of a run that started at start.
func newResults(start time.Time, quick bool) *results.File {
	return &results.File{Date: start.Format(time.RFC3339), Go: runtime.Version(), CPUs: runtime.NumCPU(), Commit: revision(), CommitFull: fullRevision(), Machine: machine(), Quick: quick}
}

// writeResults writes r as latest.json and latest.svg in dir, and copies
// named by the date of the run.
func writeResults(r *results.File, dir string, start time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	js, err := results.Marshal(r)
	if err != nil {
		return nil, err
	}
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

// markdownTable renders the rows of r as a Markdown table (readable as
// plain text too).
func markdownTable(r *results.File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "gamesrv benchmark suite: %s, commit %s, %s, %d CPUs, run time %s\n\n", r.Date, r.Commit, r.Go, r.CPUs, r.Elapsed)
	peer := r.PeerName()
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
			b.WriteString(row.PeerCell() + " | ")
		}
		fmt.Fprintf(&b, "%s | %s | %s |\n", row.RatioText, row.Budget, passText(row.Pass))
	}
	b.WriteString("\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "%s. %s: %s\n", row.ID, row.Name, row.Details)
	}
	return b.String()
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
