// Command doctable writes the results table of docs/measuring.md from the
// latest run of the benchmark suite (bench/results/latest.json), between
// the markers of package bench/internal/results. Its test fails when the
// committed table differs from the committed results.
//
//	go run ./bench/doctable            # from the repository's root
//	go run ./bench/doctable -check     # exit 1 if the table is stale
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/gamesrv/gamesrv/bench/internal/results"
)

func main() {
	res := flag.String("results", "bench/results/latest.json", "the results to render")
	doc := flag.String("doc", "docs/measuring.md", "the Markdown file holding the table")
	check := flag.Bool("check", false, "do not write: exit 1 if the table differs from the results")
	flag.Parse()
	stale, err := update(*res, *doc, !*check)
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "doctable:", err)
		os.Exit(2)
	case stale && *check:
		fmt.Fprintf(os.Stderr, "doctable: the table of %s is stale: run go run ./bench/doctable and commit\n", *doc)
		os.Exit(1)
	}
}

// update renders the table of resPath into docPath, writing it when write
// is set, and reports whether the file's table differed.
func update(resPath, docPath string, write bool) (stale bool, err error) {
	f, err := results.Read(resPath)
	if err != nil {
		return false, err
	}
	old, err := os.ReadFile(docPath)
	if err != nil {
		return false, err
	}
	doc, err := results.ReplaceTable(old, results.DocTable(f))
	if err != nil {
		return false, fmt.Errorf("%s: %w", docPath, err)
	}
	if bytes.Equal(doc, old) {
		return false, nil
	}
	if write {
		return true, os.WriteFile(docPath, doc, 0o644)
	}
	return true, nil
}
