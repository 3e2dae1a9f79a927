package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/results"
	"github.com/gamesrv/gamesrv/internal/childproc"
)

// env is what a row gets: the configuration, the children it starts
// (stopped after the row whatever happens) and a progress log.
type env struct {
	cfg  *config
	row  string // the spec's row ids, "1+2"
	kids *childproc.Group
	log  io.Writer
}

// profileArgs returns the server flags that write a CPU profile for the
// server called name, if -cpuprofile is set.
func (e *env) profileArgs(name string) []string {
	if e.cfg.profile == "" {
		return nil
	}
	file := strings.NewReplacer(" ", "-", "+", "-").Replace(fmt.Sprintf("row%s-%s.pprof", e.row, name))
	return []string{"-cpuprofile", filepath.Join(e.cfg.profile, file)}
}

// logf prints a progress line.
func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.log, "  "+format+"\n", args...)
}

// rowFunc measures one row of docs/architecture.md#budgets and returns its table rows.
type rowFunc func(ctx context.Context, e *env) ([]Row, error)

// rowSpec names rows and the function that measures them. Rows 1 and 2
// come from the same load runs, so one function measures both.
type rowSpec struct {
	ids   []string
	title string
	run   rowFunc
}

// wanted reports whether one of the spec's rows is selected.
func (s rowSpec) wanted(c *config) bool {
	return slices.ContainsFunc(s.ids, c.wants)
}

// rowSpecs returns the rows of docs/architecture.md#budgets in order.
func rowSpecs() []rowSpec {
	return []rowSpec{
		{[]string{"1", "2"}, "server CPU per request and throughput vs bare gnet", runLoadRows},
		{[]string{"3"}, "memory per idle TCP connection", runMemoryRow},
		{[]string{"3b"}, "memory per idle KCP session", runKCPMemoryRow},
		{[]string{"4"}, "generated vs reflection dispatch", runDispatchRow},
		{[]string{"5"}, "broadcast to a group", runBroadcastRow},
		{[]string{"6"}, "KCP vs TCP round trip at 5% loss", runLossRow},
		{[]string{"7"}, "forwarded vs single-process throughput", runForwardRow},
		{[]string{"8"}, "cluster convergence and kill-to-gone at 50 servers", runClusterRow},
	}
}

// runRows runs the selected rows one after the other. A row that cannot be
// measured is reported as a failed row with the error in its details; it
// does not stop the others.
func runRows(ctx context.Context, cfg *config, log io.Writer) (*results.File, int) {
	res := newResults(time.Now(), cfg.quick)
	failed := 0
	for _, spec := range rowSpecs() {
		if !spec.wanted(cfg) || ctx.Err() != nil {
			continue
		}
		id := strings.Join(spec.ids, "+")
		fmt.Fprintf(log, "row %s: %s\n", id, spec.title)
		start := time.Now()
		rows, err := runRow(ctx, cfg, log, spec)
		if err != nil {
			failed++
			fmt.Fprintf(log, "  row %s failed: %v\n", id, err)
			rows = []Row{{ID: id, Name: spec.title, Better: "n/a", Details: "not measured: " + err.Error()}}
		}
		fmt.Fprintf(log, "  row %s took %s\n", id, time.Since(start).Round(100*time.Millisecond))
		for i := range rows {
			if rows[i].RatioBetter == "" {
				rows[i].RatioBetter = rows[i].Better
			}
		}
		res.Rows = append(res.Rows, rows...)
	}
	if ctx.Err() != nil {
		failed++
	}
	return res, failed
}

// runRow runs one row under the row timeout and stops its children.
func runRow(ctx context.Context, cfg *config, log io.Writer, spec rowSpec) ([]Row, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.rowTimeout)
	defer cancel()
	kids := &childproc.Group{}
	defer kids.KillAll()
	e := &env{cfg: cfg, row: strings.Join(spec.ids, "+"), kids: kids, log: log}
	rows, err := spec.run(ctx, e)
	if stopErr := kids.StopAll(); err == nil && stopErr != nil {
		err = stopErr
	}
	return rows, err
}
