package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Scenario is one attack of issue 9 §3-4 and what it measured.
type Scenario struct {
	// ID is the scenario's number, "1" to "7".
	ID string `json:"id"`
	// Name says what the attack is.
	Name string `json:"name"`
	// Headline is the scenario's main figures as the table prints them.
	Headline string `json:"headline"`
	// Goal is the goal for this attack.
	Goal string `json:"goal"`
	// GoalMet reports whether the figures meet Goal.
	GoalMet bool `json:"goal_met"`
	// Pass reports whether the goal is met and every check held.
	Pass bool `json:"pass"`
	// Figures are every figure measured, each a count or a ratio from
	// this one run.
	Figures []Figure `json:"figures"`
	// Checks are the scenario's correctness checks: that it measured what
	// it claims (the probe worked, the attack reached the server...). A
	// failed check fails the scenario whatever its goal.
	Checks []Check `json:"checks,omitempty"`
	// Details says how it was measured, with the secondary figures.
	Details string `json:"details"`
	// Error says why the scenario could not be measured; empty when it
	// was.
	Error string `json:"error,omitempty"`
}

// Figure is one measured number.
type Figure struct {
	// Name identifies the figure ("probe_p99_attack").
	Name string `json:"name"`
	// Value is the figure, in Unit.
	Value float64 `json:"value"`
	// Unit is "ms", "MB", "count", "ratio", "s"...
	Unit string `json:"unit"`
}

// Check is a correctness check a scenario makes besides its goal.
type Check struct {
	// Name says what is checked (one of the check* constants).
	Name string `json:"name"`
	// OK reports whether it held.
	OK bool `json:"ok"`
	// Detail gives the figures behind it.
	Detail string `json:"detail,omitempty"`
}

// The checks scenarios make.
const (
	checkProbe        = "probe answered in both phases"
	checkPayload      = "attack payload inflates to its size and decodes"
	checkAttackServed = "every attack request answered or refused by a close"
	checkSearch       = "largest accepted handshake found"
	checkHandshakes   = "every connection hand-shaken"
	checkHeldOpen     = "probed connections open"
	checkRSSSettled   = "RSS settled"
	checkFloodSent    = "every datagram sent"
	checkKCPClient    = "a KCP client connects after the flood"
	checkAgree        = "server and client count the same connections"
	checkOtherAddr    = "another address still served"
	checkJoined       = "join answered before the flood"
	checkInOrder      = "answers in request order"
	checkRoomsCounted = "server holds no room the client did not create"
	checkClientsEnded = "connected clients saw the shutdown"
	checkNewServer    = "restarted server answers over TCP and WebSocket"
)

// figure appends a figure to s.
func (s *Scenario) figure(name string, v float64, unit string) {
	s.Figures = append(s.Figures, Figure{Name: name, Value: v, Unit: unit})
}

// ms converts d to milliseconds for a figure.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// finish sets Pass from the goal and the checks, and appends the checks to
// the details.
func (s *Scenario) finish(goalMet bool, checks ...Check) {
	s.GoalMet, s.Pass, s.Checks = goalMet, goalMet, append(s.Checks, checks...)
	parts := make([]string, len(s.Checks))
	for i, c := range s.Checks {
		s.Pass = s.Pass && c.OK
		parts[i] = c.String()
	}
	if len(parts) > 0 {
		s.Details += "; checks: " + strings.Join(parts, "; ")
	}
}

// checksOK reports whether every check held.
func (s *Scenario) checksOK() bool {
	for _, c := range s.Checks {
		if !c.OK {
			return false
		}
	}
	return s.Error == ""
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
	// Commit is the git revision measured, noting local changes under
	// runtime/ and examples/ (what the chat server is built from).
	Commit string `json:"commit"`
	// Quick is set for the smoke run's tiny sizes: its figures say
	// nothing about the goals.
	Quick bool `json:"quick"`
	// Elapsed is the run's duration.
	Elapsed string `json:"elapsed"`
	// Scenarios are the measured scenarios, in order.
	Scenarios []Scenario `json:"scenarios"`
}

// resultFile is the name of the JSON file a run writes.
const resultFile = "attack-latest.json"

func newResults(start time.Time, quick bool) *Results {
	return &Results{Date: start.Format(time.RFC3339), Go: runtime.Version(), CPUs: runtime.NumCPU(), Commit: revision(), Quick: quick}
}

// write writes the JSON file in dir and returns its path.
func (r *Results) write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, resultFile)
	return path, os.WriteFile(path, append(js, '\n'), 0o644)
}

// table renders the scenarios as a Markdown table (readable as plain text
// too), then one line of details per scenario.
func (r *Results) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gamesrv attack suite (issue 9): %s, commit %s, %s, %d CPUs, run time %s\n\n", r.Date, r.Commit, r.Go, r.CPUs, r.Elapsed)
	b.WriteString("| # | attack | measured | goal | goal met | checks |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, s := range r.Scenarios {
		checks := "ok"
		if !s.checksOK() {
			checks = "FAILED"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.ID, s.Name, s.Headline, s.Goal, yesNo(s.GoalMet), checks)
	}
	b.WriteString("\n")
	for _, s := range r.Scenarios {
		fmt.Fprintf(&b, "%s. %s: %s\n", s.ID, s.Name, s.Details)
	}
	return b.String()
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// revision returns the git commit of the working tree, noting uncommitted
// changes to what the chat server is built from, or "unknown".
func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--", "runtime", "examples/chat").Output(); err == nil && len(st) > 0 {
		rev += " + uncommitted changes"
	}
	return rev
}

// short rounds d to about three significant digits.
func short(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
