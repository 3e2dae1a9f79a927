package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/benchcmd"
)

// config is the suite's command line and the sizes of each row.
type config struct {
	quick   bool
	strict  bool
	out     string     // -out; empty: see benchcmd.ResultsDir
	rows    []string   // row numbers to run, "1".."7"
	server  string     // echoserver binary
	gnet    string     // gnetecho binary
	profile string     // directory for the servers' CPU profiles (rows 1, 2, 7); empty: none
	peer    peerConfig // -peer: an external server measured beside gamesrv in rows 1 and 2

	// rows 1, 2, 7: load generation
	conns     []int         // connection counts of rows 1-2 (the first is row 1's)
	duration  time.Duration // measured phase of each load run
	warmup    time.Duration
	rounds    int // load runs per configuration, alternating servers; the median is kept
	payload   int // bytes echoed per request
	fwdConns  int // connections of row 7
	fwdRounds int

	// row 3
	idleConns int

	// row 3b
	kcpSessions int

	// row 4
	benchtime string // testing's -test.benchtime for the dispatch benchmarks

	// row 5
	sessions   int
	broadcasts int

	// row 8
	cluster clusterConfig

	// row 6
	pings int
	loss  float64
	rto   time.Duration
	seed  int64

	rowTimeout time.Duration
}

// allRows returns the rows of docs/architecture.md#budgets, in order.
func allRows() []string { return []string{"1", "2", "3", "3b", "4", "5", "6", "7", "8"} }

// parseConfig parses args (without the program name).
func parseConfig(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("suite", flag.ContinueOnError)
	fs.BoolVar(&c.quick, "quick", false, "tiny sizes (the smoke test's): a few seconds per row")
	fs.BoolVar(&c.strict, "strict", false, "exit 1 when a row misses its budget (always: when a row cannot be measured)")
	fs.StringVar(&c.out, "out", "", "directory for latest.json, latest.svg and dated copies (default "+benchcmd.DefaultOut+"; with -quick a new temporary directory, so that quick figures never overwrite the committed results)")
	rows := fs.String("rows", strings.Join(allRows(), ","), "comma-separated rows of docs/architecture.md#budgets to run (1-8 and 3b; 1 gives rows 1 and 1b, 2 gives 2a and 2b, from the same load runs; 8 gives 8a and 8b)")
	fs.StringVar(&c.server, "server", ".bin/bench-echoserver", "gamesrv echo server binary (bench/cmd/echoserver)")
	fs.StringVar(&c.gnet, "gnet", ".bin/bench-gnetecho", "bare gnet baseline binary (bench/cmd/gnetecho)")
	fs.StringVar(&c.profile, "cpuprofile", "", "directory where the servers of rows 1, 2 and 7 write CPU profiles (pprof; adds a little overhead)")
	idle := fs.Int("idle", 0, "idle connections of row 3 (default 20000, quick 200)")
	clusterScale := fs.String("clusterscale", ".bin/clusterscale", "cluster-scale harness binary (bench/clusterscale), row 8")
	clusterNode := fs.String("clusternode", ".bin/clusternode", "cluster server binary (bench/cmd/clusternode), row 8")
	c.peer.flags(fs)
	fs.Int64Var(&c.seed, "seed", 1, "seed of the loss models of row 6")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.peer.check(); err != nil {
		return nil, err
	}
	c.sizes()
	c.cluster = clusterSizes(c.quick)
	c.cluster.scale, c.cluster.node = *clusterScale, *clusterNode
	if *idle > 0 {
		c.idleConns = *idle
	}
	var err error
	c.rows, err = benchcmd.Select(*rows, allRows(), "row")
	return c, err
}

// sizes sets the sizes of a full run, or of a quick one.
func (c *config) sizes() {
	c.payload, c.loss, c.rto = 16, 0.05, 200*time.Millisecond
	if c.quick {
		c.conns, c.duration, c.warmup, c.rounds = []int{4, 8}, time.Second, 200*time.Millisecond, 1
		c.fwdConns, c.fwdRounds = 4, 1
		c.idleConns, c.benchtime = 200, "2000x"
		c.kcpSessions = 100
		c.sessions, c.broadcasts = 200, 20
		c.pings, c.rowTimeout = 30, time.Minute
		return
	}
	c.conns, c.duration, c.warmup, c.rounds = []int{50, 200}, 5*time.Second, time.Second, 7
	c.fwdConns, c.fwdRounds = 50, 7
	c.idleConns, c.benchtime = 20000, "1s"
	c.kcpSessions = 5000
	c.sessions, c.broadcasts = 10000, 1000
	c.pings, c.rowTimeout = 1000, 4*time.Minute
	if c.peer.addr != "" {
		// Rows 1 and 2 measure a third server: as many rounds again.
		c.rowTimeout += time.Duration(c.rounds*len(c.conns)) * (c.warmup + c.duration + 2*time.Second)
	}
}

// wants reports whether row r is selected.
func (c *config) wants(r string) bool { return slices.Contains(c.rows, r) }
