// Command compare compares two runs of the benchmark suite figure by
// figure: gamesrv's figure and its ratio to the baseline measured in the
// same run, each with its change and a verdict. It exits 1 when a ratio
// regressed beyond the threshold (and outside the old run's rounds) or a
// row lost its budget, 2 on a usage error.
//
//	go run ./bench/compare bench/results/2026-11-21.json bench/results/latest.json
//	go run ./bench/compare -threshold 0.05 old.json new.json
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run compares the two files of args and returns the exit code.
func run(args []string, out, errOut io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(errOut)
	threshold := fs.Float64("threshold", 0.10, "relative change that counts (0.10: 10%)")
	fs.Usage = func() {
		fmt.Fprintln(errOut, "usage: go run ./bench/compare [-threshold 0.10] old.json new.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 || *threshold < 0 {
		fs.Usage()
		return 2
	}
	old, err := results.Read(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(errOut, "compare:", err)
		return 2
	}
	new, err := results.Read(fs.Arg(1))
	if err != nil {
		fmt.Fprintln(errOut, "compare:", err)
		return 2
	}
	changes := results.Compare(old, new, *threshold)
	fmt.Fprint(out, results.Table(old, new, changes, *threshold))
	for _, c := range changes {
		if c.Regressed() {
			return 1
		}
	}
	return 0
}
