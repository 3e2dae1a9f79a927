// Package benchcmd holds what the commands that measure gamesrv (the
// benchmark suite, bench/suite, and the attack suite, bench/attack) share
// on their command line: how a run starts and stops, how a list of rows or
// scenarios is read, and where its results go.
package benchcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// DefaultOut is where a full run writes its results, from the
// repository's root.
const DefaultOut = "bench/results"

// Main runs the command called name and exits: it parses the command line
// with parse (exit 0 after -h, 2 on a bad command line, the error on
// stderr), then calls run with stdout and stderr and a context that
// SIGINT or SIGTERM cancels, and exits with the code run returns.
func Main[C any](name string, parse func(args []string) (C, error), run func(ctx context.Context, cfg C, out, log io.Writer) int) {
	cfg, err := parse(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, cfg, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Select reads list, comma-separated ids among all (rows, scenarios: the
// noun names them in errors), and returns the ids it names, sorted,
// each once. An id not in all, or a list that names none, is an error.
func Select(list string, all []string, noun string) ([]string, error) {
	var ids []string
	for id := range strings.SplitSeq(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if !slices.Contains(all, id) {
			return nil, fmt.Errorf("unknown %s %q: %ss are %s", noun, id, noun, strings.Join(all, ", "))
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no %s selected", noun)
	}
	slices.Sort(ids)
	return ids, nil
}

// ResultsDir returns the directory a run's results go to: out when it is
// set, else DefaultOut for a full run and, for a quick one, a new
// temporary directory (named after the command, name), so that quick
// figures never overwrite the committed results; it says so on log.
func ResultsDir(out string, quick bool, name string, log io.Writer) (string, error) {
	switch {
	case out != "":
		return out, nil
	case !quick:
		return DefaultOut, nil
	}
	dir, err := os.MkdirTemp("", "gamesrv-"+name+"-quick-")
	if err != nil {
		return "", fmt.Errorf("results directory: %w", err)
	}
	fmt.Fprintf(log, "quick run: results go to %s, not %s (give -out to choose)\n", dir, DefaultOut)
	return dir, nil
}
