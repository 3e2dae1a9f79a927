package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gamesrv/gamesrv/bench/internal/benchcmd"
)

// config is the suite's command line and the sizes of each scenario.
type config struct {
	quick     bool
	strict    bool
	out       string   // -out; empty: see benchcmd.ResultsDir
	scenarios []string // "1".."7"
	server    string   // chat server binary

	// the probe of scenarios 1 and 3
	probeEvery   time.Duration // pause between two probe requests
	probeTimeout time.Duration // a probe request waiting longer counts as timed out
	warmup       time.Duration // probe requests not counted, before the baseline
	baseline     time.Duration // the baseline phase
	attackLimit  time.Duration // the longest an attack phase lasts

	// 1: zlib inflate
	inflateRequests int // attack requests in all
	inflateSize     int // inflated size of each
	inflateConns    int // attacker connections
	inflateWindow   int // requests in flight per attacker connection

	// 2: handshake memory
	handshakeConns int

	// 3: KCP datagram flood
	datagrams int
	floodHold time.Duration // probe and goroutine polls after the flood ends

	// 4: connections from one address
	perIPConns int

	// 5: pipelining flood
	pipelined int

	// 6: room flood
	roomJoins  int           // joins at most
	roomTime   time.Duration // for at most this long
	roomWindow int           // joins in flight

	// 7: restart
	rebindLimit time.Duration // how long to retry binding

	scenarioTimeout time.Duration
}

// allScenarios returns the scenario ids, in order.
func allScenarios() []string { return []string{"1", "2", "3", "4", "5", "6", "7"} }

// parseConfig parses args (without the program name).
func parseConfig(args []string) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("attack", flag.ContinueOnError)
	fs.BoolVar(&c.quick, "quick", false, "tiny sizes (the smoke test's): correctness checks only, the figures say nothing about the goals")
	fs.BoolVar(&c.strict, "strict", false, "exit 1 when a goal is missed (always: when a scenario cannot be measured or a check fails)")
	fs.StringVar(&c.out, "out", "", "directory for "+resultFile+" (default "+benchcmd.DefaultOut+"; with -quick a new temporary directory, so that quick figures never overwrite the committed results)")
	list := fs.String("scenarios", strings.Join(allScenarios(), ","), "comma-separated scenarios to run (1-7)")
	fs.StringVar(&c.server, "server", ".bin/chat-server", "chat server binary (examples/chat/server)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	c.sizes()
	var err error
	c.scenarios, err = benchcmd.Select(*list, allScenarios(), "scenario")
	return c, err
}

// sizes sets the sizes of a full run (those of issue 9), or of a quick one.
func (c *config) sizes() {
	c.probeEvery, c.inflateSize, c.roomWindow = 2*time.Millisecond, 1<<20, 16
	if c.quick {
		c.probeTimeout, c.warmup, c.baseline, c.attackLimit = 2*time.Second, 100*time.Millisecond, 500*time.Millisecond, 10*time.Second
		c.inflateRequests, c.inflateConns, c.inflateWindow = 40, 2, 4
		c.handshakeConns = 10
		c.datagrams, c.floodHold = 200, time.Second
		c.perIPConns = 100
		c.pipelined = 5000
		c.roomJoins, c.roomTime = 300, 300*time.Millisecond
		c.rebindLimit, c.scenarioTimeout = 5*time.Second, 90*time.Second
		return
	}
	c.probeTimeout, c.warmup, c.baseline, c.attackLimit = 5*time.Second, 500*time.Millisecond, 3*time.Second, time.Minute
	c.inflateRequests, c.inflateConns, c.inflateWindow = 1000, 8, 8
	c.handshakeConns = 300
	c.datagrams, c.floodHold = 2000, 2*time.Second
	c.perIPConns = 5000
	c.pipelined = 100_000
	c.roomJoins, c.roomTime = 10_000, time.Second
	c.rebindLimit, c.scenarioTimeout = 2*time.Minute, 4*time.Minute
}

// wants reports whether scenario s is selected.
func (c *config) wants(s string) bool { return slices.Contains(c.scenarios, s) }
