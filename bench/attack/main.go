// Command attack is gamesrv's attack suite: it reproduces the attacks of
// issue 9 (§3 bad input that costs too much, §4 restarts) against the chat
// example server, run as a child process, and reports each attack's
// figures in one table and a JSON file, each figure a count or a ratio
// measured in one run, with the goal and correctness checks.
//
//	make attack                       # builds the chat server, then runs:
//	go run ./bench/attack -server .bin/chat-server
//	go run ./bench/attack -scenarios 1,3   # a subset
//	go run ./bench/attack -quick      # tiny sizes, results in a temporary directory
//
// Every scenario starts a fresh chat server on port 0 with its admin
// listener (goroutine counts from pprof, session and group counts from
// /debug/gamesrv.json) and stops it with SIGTERM. The scenarios use only
// the chat server's command-line defaults, so that they measure what a
// user who copies the example gets, today and after each fix.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/benchcmd"
	"github.com/gamesrv/gamesrv/internal/childproc"
)

func main() {
	benchcmd.Main("attack", parseConfig, run)
}

// run runs the selected scenarios, prints the table on out and progress on
// log, writes the results, and returns the exit code: 1 when a scenario
// could not be measured or a check failed (or, with -strict, a goal was
// missed).
func run(ctx context.Context, cfg *config, out, log io.Writer) int {
	dir, err := benchcmd.ResultsDir(cfg.out, cfg.quick, "attack", log)
	if err != nil {
		fmt.Fprintln(log, "attack:", err)
		return 1
	}
	start := time.Now()
	res := newResults(start, cfg.quick)
	for _, spec := range scenarioSpecs() {
		if cfg.wants(spec.id) && ctx.Err() == nil {
			res.Scenarios = append(res.Scenarios, runScenario(ctx, cfg, log, spec))
		}
	}
	res.Elapsed = time.Since(start).Round(100 * time.Millisecond).String()
	fmt.Fprint(out, "\n"+res.table())
	path, err := res.write(dir)
	if err != nil {
		fmt.Fprintln(log, "attack: writing results:", err)
		return 1
	}
	fmt.Fprintf(out, "\nwritten: %s\ntotal run time: %s\n", path, res.Elapsed)
	bad, missed := 0, 0
	for _, s := range res.Scenarios {
		if !s.checksOK() {
			bad++
		}
		if !s.GoalMet {
			missed++
		}
	}
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(out, "interrupted")
		return 1
	case bad > 0:
		fmt.Fprintf(out, "%d scenario(s) not measured or with a failed check\n", bad)
		return 1
	case cfg.strict && missed > 0:
		return 1
	}
	return 0
}

// env is what a scenario gets: the configuration, the children it starts
// (stopped after the scenario whatever happens) and a progress log.
type env struct {
	cfg  *config
	kids *childproc.Group
	log  io.Writer
}

// logf prints a progress line.
func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "  "+format+"\n", args...)
}

// scenarioSpec names a scenario and the function that measures it. The
// function fills the scenario's figures and calls finish.
type scenarioSpec struct {
	id, name, goal string
	run            func(ctx context.Context, e *env, s *Scenario) error
}

// scenarioSpecs returns the scenarios in order.
func scenarioSpecs() []scenarioSpec {
	return []scenarioSpec{
		{"1", "zlib inflate: probe latency under 1 MiB inflates", "probe p99 < 3× baseline, no probe request > 100 ms", runInflate},
		{"2", "handshake memory: largest accepted handshakes held", "RSS growth < 10 MB", runHandshake},
		{"3", "KCP flood: 24-byte datagrams from forged conv ids", "goroutines < +300, probe p99 < 3× baseline", runKCPFlood},
		{"4", "connections from one address", "fewer held than opened (a per-address limit)", runPerIP},
		{"5", "pipelining flood: answers before the disconnect", "≥ 64 answers (the default QueueSize) before an orderly close, no reset", runPipeline},
		{"6", "room flood: distinct rooms from one client", "the rooms held stay within the cap (1,000), or joins beyond it get a coded error", runRooms},
		{"7", "restart: SIGTERM with clients connected, then bind again", "new server bound within 1 s of the exit", runRestart},
	}
}

// runScenario runs one scenario under the scenario timeout and stops its
// children. A scenario that cannot be measured is reported with its error
// and counts as a failed check.
func runScenario(ctx context.Context, cfg *config, log io.Writer, spec scenarioSpec) Scenario {
	fmt.Fprintf(log, "scenario %s: %s\n", spec.id, spec.name)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, cfg.scenarioTimeout)
	defer cancel()
	kids := &childproc.Group{}
	defer kids.KillAll()
	e := &env{cfg: cfg, kids: kids, log: log}
	s := Scenario{ID: spec.id, Name: spec.name, Goal: spec.goal}
	err := spec.run(ctx, e, &s)
	if stopErr := kids.StopAll(); err == nil && stopErr != nil {
		err = stopErr
	}
	if err != nil {
		s.Error = err.Error()
		s.Pass = false
		s.Headline = "not measured"
		s.Details = strings.TrimPrefix(s.Details+"; not measured: "+err.Error(), "; ")
		fmt.Fprintf(log, "  scenario %s failed: %v\n", spec.id, err)
	}
	fmt.Fprintf(log, "  scenario %s took %s\n", spec.id, time.Since(start).Round(100*time.Millisecond))
	return s
}
