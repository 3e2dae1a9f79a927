// Command suite is gamesrv's benchmark suite: it measures every budget of
// docs/architecture.md#budgets in one run on this machine, each beside its
// baseline, prints one table, and writes the results as JSON and as an SVG
// chart.
//
//	make bench                      # builds the servers, then runs:
//	go run ./bench/suite -server .bin/bench-echoserver -gnet .bin/bench-gnetecho
//	go run ./bench/suite -rows 4,5  # a subset (rows 4 and 5 need no binary)
//	go run ./bench/suite -quick     # tiny sizes, a few seconds per row, results in a temporary directory
//
// Rows 1-3, 6 and 7 run the servers as child processes (port 0, LISTEN
// lines on stdout) and stop them with SIGTERM; rows 4 and 5 run in process;
// row 8 runs bench/clusterscale (-clusterscale, -clusternode), which starts
// a cluster of clusternode processes.
package main

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/benchcmd"
	"github.com/gamesrv/gamesrv/bench/internal/results"
)

func main() {
	testing.Init() // testing.Benchmark (row 4) reads -test.benchtime
	benchcmd.Main("suite", parseConfig, run)
}

// run runs the selected rows, prints the table on out and progress on
// log, writes the results, and returns the exit code.
func run(ctx context.Context, cfg *config, out, log io.Writer) int {
	dir, err := benchcmd.ResultsDir(cfg.out, cfg.quick, "suite", log)
	if err != nil {
		fmt.Fprintln(log, "suite:", err)
		return 1
	}
	start := time.Now()
	res, failed := runRows(ctx, cfg, log)
	res.Elapsed = time.Since(start).Round(100 * time.Millisecond).String()
	res.Machine.LoadAfter = loadAverage()
	fmt.Fprint(out, "\n"+markdownTable(res))
	files, err := writeResults(res, dir, start)
	if err != nil {
		fmt.Fprintln(log, "suite: writing results:", err)
		return 1
	}
	fmt.Fprintf(out, "\nwritten: %v\ntotal run time: %s\n", files, res.Elapsed)
	switch {
	case failed > 0:
		fmt.Fprintf(out, "%d row(s) could not be measured\n", failed)
		return 1
	case cfg.strict && !allPass(res):
		return 1
	}
	return 0
}

// allPass reports whether every row of r met its budget.
func allPass(r *results.File) bool {
	for _, row := range r.Rows {
		if !row.Pass {
			return false
		}
	}
	return true
}
