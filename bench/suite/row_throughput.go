package main

import (
	"context"
	"fmt"
	"time"
)

// runLoadRows measures rows 1 and 2 from the same load runs: the gamesrv
// echo server and the bare gnet echo server, each a child process, driven
// in turn by the load generator (which shares the machine's cores) with
// sequential echo requests, at 50 connections (rows 1 and 2a) and 200
// (rows 1b and 2b). Row 1 is the CPU per request of both loads, row 2 the
// throughput: both counts are measured for either row.
func runLoadRows(ctx context.Context, e *env) ([]Row, error) {
	g, _, err := startTarget(e, "gamesrv", e.cfg.server, "-tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b, _, err := startTarget(e, "bare gnet", e.cfg.gnet, "-addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ts := []target{g, b}
	names := []string{"gamesrv", "bare gnet"}
	if e.cfg.peer.addr != "" {
		echo, err := echoPayload(e.cfg)
		if err != nil {
			return nil, err
		}
		ts = append(ts, e.cfg.peer.target(echo))
		names = append(names, e.cfg.peer.name)
	}
	var cpu, throughput []Row
	for i, conns := range e.cfg.conns {
		s, err := compare(ctx, e, conns, e.cfg.rounds, ts...)
		if err != nil {
			return nil, err
		}
		answered := answeredCheck(names, s...)
		suffix := string(rune('a' + i))
		var pc, pt *Peer
		if len(ts) > 2 {
			pc, pt = peerCPU(ts[2], s[2]), peerThroughput(ts[2], s[2])
		}
		if e.cfg.wants("1") {
			row := withPeer(cpuRow(cpuRowID(i), "2"+suffix, conns, s[0], s[1]), pc)
			cpu = append(cpu, withChecks(row, answered))
		}
		if e.cfg.wants("2") {
			row := withPeer(throughputRow(e.cfg, suffix, conns, s[0], s[1]), pt)
			throughput = append(throughput, withChecks(row, answered))
		}
	}
	return append(cpu, throughput...), nil
}

// cpuRowID is the id of the CPU row of the i-th connection count: "1" for
// the first (the budgets' row 1), then "1b", "1c"...
func cpuRowID(i int) string {
	if i == 0 {
		return "1"
	}
	return "1" + string(rune('a'+i))
}

// cpuRow builds row 1 or 1b: the server's CPU time per request at conns
// connections, from the load runs of throughput row runs.
func cpuRow(id, runs string, conns int, g, b series) Row {
	gc, bc := us(g.medianCPU()), us(b.medianCPU())
	ratio := gc / max(bc, 0.001)
	gm, bm := g.median(), b.median()
	return Row{
		ID: id, Name: fmt.Sprintf("server CPU per request (%d connections, sequential)", conns),
		Measured: gc, Baseline: bc, Unit: "µs/req", MeasuredName: "gamesrv", BaselineName: "bare gnet",
		Ratio: ratio, RatioText: fmt.Sprintf("%.1f×", ratio), Budget: "≤ 6 µs", Better: "lower", Pass: gc <= 6,
		Details: fmt.Sprintf("the load runs of row %s; server process utime+stime over the measured phase / requests answered (loadgen ServerPID, /proc in 10 ms ticks), median of %d rounds "+
			"(gamesrv rounds: %s µs; bare gnet rounds: %s µs); "+
			"%d connections each sending one %d-byte echo request at a time (load generator on the same 2 cores); "+
			"gamesrv: %.0f req/s, p50 %v, p99 %v, CPU %v over %v; bare gnet: %.0f req/s, p50 %v, p99 %v, CPU %v over %v; reference from docs/architecture.md#budgets: Pitaya (compression off) 31 µs",
			runs, len(g), g.cpus(), b.cpus(), conns, len(gm.Config.Payload), gm.Throughput, short(gm.P50), short(gm.P99), gm.ServerCPU, gm.Elapsed.Round(time.Millisecond),
			bm.Throughput, short(bm.P50), short(bm.P99), bm.ServerCPU, bm.Elapsed.Round(time.Millisecond)),
	}.WithRounds(durationsUS(g.cpuPerRequest()), durationsUS(b.cpuPerRequest()))
}

// throughputRow builds row 2a or 2b: throughput against the baseline.
func throughputRow(cfg *config, suffix string, conns int, g, b series) Row {
	gm, bm := g.median(), b.median()
	ratio, ratios := g.pairedRatio(b)
	return Row{
		ID: "2" + suffix, Name: fmt.Sprintf("throughput vs bare gnet (%d connections)", conns),
		Measured: gm.Throughput, Baseline: bm.Throughput, Unit: "req/s", MeasuredName: "gamesrv", BaselineName: "bare gnet",
		Ratio: ratio, RatioText: fmt.Sprintf("%.0f%%", ratio*100), Budget: "≥ 70%", Better: "higher", Pass: ratio >= 0.7,
		Details: fmt.Sprintf("%d connections, sequential %d-byte echo requests for %v after a %v warm-up, %d rounds alternating the servers; "+
			"figures: median throughput of each server; ratio: median of the per-round ratios (%s); "+
			"gamesrv rounds: %s req/s (p50 %v, p99 %v, %.2f µs CPU/req); bare gnet rounds: %s req/s (p50 %v, p99 %v, %.2f µs CPU/req); "+
			"the baseline is a gnet server with the same framing that answers on the event loop: no session, queue or goroutine hop",
			conns, cfg.payload+2, cfg.duration, cfg.warmup, len(g), ratios, g.throughputs(), short(gm.P50), short(gm.P99), us(gm.CPUPerRequest),
			b.throughputs(), short(bm.P50), short(bm.P99), us(bm.CPUPerRequest)),
		RatioRounds: g.ratios(b),
	}.WithRounds(g.throughputValues(), b.throughputValues())
}
