package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clusterConfig sizes row 8: one short cluster-scale run (bench/clusterscale)
// of servers processes, and one of baseline processes.
type clusterConfig struct {
	scale, node       string // the clusterscale and clusternode binaries
	servers, baseline int
	kills             int
	settle, idle      time.Duration
	convergeBudget    time.Duration
	killToGoneBudget  time.Duration
	runTimeout        time.Duration
}

// clusterSizes returns row 8's sizes: 50 servers against 10, or 10 against
// 3 in a quick run.
func clusterSizes(quick bool) clusterConfig {
	c := clusterConfig{
		servers: 50, baseline: 10, kills: 3, settle: 2 * time.Second, idle: 5 * time.Second,
		convergeBudget: 2 * time.Second, killToGoneBudget: 3 * time.Second, runTimeout: 3 * time.Minute,
	}
	if quick {
		c.servers, c.baseline, c.kills, c.settle, c.idle = 10, 3, 1, time.Second, time.Second
	}
	return c
}

// The checks of row 8.
const (
	checkConverged   = "every view complete"
	checkNoFalseLeft = "no live server declared dead"
	checkAllGone     = "every killed server left every view"
)

// clusterRun is what row 8 reads of bench/clusterscale's JSON.
type clusterRun struct {
	Load             string    `json:"load_before"`
	StartAllMs       float64   `json:"start_all_ms"`
	ConvergeMs       float64   `json:"converge_ms"`
	Converged        bool      `json:"converged"`
	FalseLeavesStart int       `json:"false_leaves_start"`
	FalseLeavesIdle  int       `json:"false_leaves_idle"`
	CPUPct           float64   `json:"idle_cpu_pct_of_core_per_server"`
	RSSMiB           float64   `json:"idle_rss_mib_per_server"`
	KillToGoneMs     float64   `json:"kill_to_gone_ms"`
	KillsToGoneMs    []float64 `json:"kills_to_gone_ms"`
	Errors           []string  `json:"errors"`
	servers, kills   int
}

// runClusterRow measures row 8 (8a convergence, 8b kill-to-gone): a cluster
// of clusternode processes on loopback, ProfileFast, started at once; then
// rooms SIGKILLed one after another. The baseline is the same run with
// fewer servers.
func runClusterRow(ctx context.Context, e *env) ([]Row, error) {
	c := e.cfg.cluster
	if err := checkClusterBinaries(c); err != nil {
		return nil, err
	}
	big, err := clusterScale(ctx, e, c, c.servers)
	if err != nil {
		return nil, err
	}
	small, err := clusterScale(ctx, e, c, c.baseline)
	if err != nil {
		return nil, err
	}
	return clusterRows(c, big, small), nil
}

// clusterScale runs bench/clusterscale once with n servers and short
// windows (no saturation, client load or churn) and reads its JSON.
func clusterScale(ctx context.Context, e *env, c clusterConfig, n int) (clusterRun, error) {
	dir, err := os.MkdirTemp("", "gamesrv-bench-cluster-")
	if err != nil {
		return clusterRun{}, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "cluster.json")
	name := fmt.Sprintf("clusterscale-%d", n)
	p, err := e.kids.Start(name, c.scale, "-node", c.node, "-n", strconv.Itoa(n), "-profile", "fast", "-runs", "1", "-callers", "1",
		"-settle", c.settle.String(), "-idle", c.idle.String(), "-burn", "0", "-load", "0", "-churn", "0",
		"-kills", strconv.Itoa(c.kills), "-out", out)
	if err != nil {
		return clusterRun{}, err
	}
	e.logf("%d servers…", n)
	wait := make(chan error, 1)
	go func() { wait <- p.Wait(c.runTimeout) }()
	select {
	case err = <-wait:
	case <-ctx.Done():
		_ = p.Kill() // its servers exit when their stdin closes
		return clusterRun{}, ctx.Err()
	}
	if err != nil {
		return clusterRun{}, fmt.Errorf("%s: %w: %s", name, err, p.Tail(5))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return clusterRun{}, err
	}
	var sum struct {
		Runs []clusterRun `json:"runs"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		return clusterRun{}, fmt.Errorf("%s: %w", out, err)
	}
	if len(sum.Runs) != 1 {
		return clusterRun{}, fmt.Errorf("%s: %d runs, want 1", out, len(sum.Runs))
	}
	r := sum.Runs[0]
	r.servers, r.kills = n, c.kills
	e.logf("%d servers: converged %v in %.0f ms, kill→gone %v ms, load before %s", n, r.Converged, r.ConvergeMs, r.KillsToGoneMs, r.Load)
	return r, nil
}

// clusterRows builds rows 8a and 8b from the two runs.
func clusterRows(c clusterConfig, big, small clusterRun) []Row {
	details := func(what string) string {
		return fmt.Sprintf("%s; bench/clusterscale -n N -profile fast -runs 1 (every server a bench/cmd/clusternode process on loopback, "+
			"the first starts the cluster and the other N-1 join it at once; then %s SIGKILLed one after another, each waited "+
			"until gone from every view, after a %v settle and a %v idle window); %s; %s",
			what, plural(c.kills, "room"), c.settle, c.idle, big.summary(), small.summary())
	}
	converged := Check{Name: checkConverged, OK: big.Converged && small.Converged,
		Detail: fmt.Sprintf("%d servers: %v, %d servers: %v", big.servers, big.Converged, small.servers, small.Converged)}
	falseLeaves := big.FalseLeavesStart + big.FalseLeavesIdle + small.FalseLeavesStart + small.FalseLeavesIdle
	noFalse := Check{Name: checkNoFalseLeft, OK: falseLeaves == 0, Detail: fmt.Sprintf("%d false leave events while starting and idle", falseLeaves)}
	gone := Check{Name: checkAllGone, OK: len(big.KillsToGoneMs) == big.kills && len(small.KillsToGoneMs) == small.kills,
		Detail: fmt.Sprintf("%d of %d and %d of %d", len(big.KillsToGoneMs), big.kills, len(small.KillsToGoneMs), small.kills)}
	row := func(id, name string, measured, baseline float64, budget time.Duration, pass bool, what string) Row {
		r := Row{
			ID: id, Name: fmt.Sprintf("%s, %d server processes (ProfileFast)", name, big.servers),
			Measured: measured, MeasuredName: fmt.Sprintf("%d servers", big.servers),
			Baseline: baseline, BaselineName: fmt.Sprintf("%d servers", small.servers), Unit: "ms",
			Budget: fmt.Sprintf("< %g s", budget.Seconds()), Better: "lower",
			Pass: pass && measured < ms(budget), Details: details(what),
		}
		r.Ratio, r.RatioText = ratioOf(measured, baseline)
		return r
	}
	conv := row("8a", "cluster convergence", big.ConvergeMs, small.ConvergeMs, c.convergeBudget, big.Converged,
		"time from the last server's Start returning to every server's view holding every server "+
			"(the harness reads each server's join and leave events)")
	kill := row("8b", "SIGKILL → gone from every view", big.KillToGoneMs, small.KillToGoneMs, c.killToGoneBudget, gone.OK,
		"the slowest of the kills: time from the SIGKILL to the last live server's leave event for it")
	return []Row{withChecks(conv, converged, noFalse), withChecks(kill, gone, noFalse)}
}

// summary is a run's figures for the details.
func (r clusterRun) summary() string {
	s := fmt.Sprintf("%d servers (load average before %s): all started in %.0f ms, converged %.0f ms later, "+
		"kill→gone %s ms, false leaves %d starting and %d idle, idle CPU %.2f%% of a core and RSS %.1f MiB per server",
		r.servers, r.Load, r.StartAllMs, r.ConvergeMs, joinFloats(r.KillsToGoneMs), r.FalseLeavesStart, r.FalseLeavesIdle, r.CPUPct, r.RSSMiB)
	if len(r.Errors) > 0 {
		s += ", errors: " + strings.Join(r.Errors, "; ")
	}
	return s
}

// plural returns "1 room", "3 rooms".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ratioOf returns measured / baseline and its text, or 0 and "n/a".
func ratioOf(measured, baseline float64) (float64, string) {
	if baseline <= 0 {
		return 0, "n/a"
	}
	r := measured / baseline
	return r, fmt.Sprintf("%.1f×", r)
}

// checkClusterBinaries fails early when row 8's binaries are missing.
func checkClusterBinaries(c clusterConfig) error {
	var missing []error
	for _, bin := range []string{c.scale, c.node} {
		if _, err := os.Stat(bin); err != nil {
			missing = append(missing, err)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("row 8 needs -clusterscale and -clusternode (make bench builds them): %w", errors.Join(missing...))
	}
	return nil
}
