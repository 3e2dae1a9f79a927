package main

import (
	"context"
	"fmt"
	"time"
)

// runLoadRows measures rows 1 and 2 from the same load runs: the gamesrv
// echo server and the bare gnet echo server, each a child process, driven
// in turn by the load generator (which shares the machine's cores) with
// sequential echo requests, at 50 connections (row 1 and 2a) and 200
// (row 2b).
func runLoadRows(ctx context.Context, e *env) ([]Row, error) {
	g, _, err := startTarget(e, "gamesrv", e.cfg.server, "-tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b, _, err := startTarget(e, "bare gnet", e.cfg.gnet, "-addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	counts := e.cfg.conns
	if !e.cfg.wants("2") {
		counts = counts[:1]
	}
	var rows []Row
	for i, conns := range counts {
		s, err := compare(ctx, e, conns, e.cfg.rounds, g, b)
		if err != nil {
			return nil, err
		}
		if i == 0 && e.cfg.wants("1") {
			rows = append(rows, cpuRow(conns, s[0], s[1]))
		}
		if e.cfg.wants("2") {
			rows = append(rows, throughputRow(e.cfg, string(rune('a'+i)), conns, s[0], s[1]))
		}
	}
	return rows, nil
}

// cpuRow builds row 1: the server's CPU time per request.
func cpuRow(conns int, g, b series) Row {
	gc, bc := us(g.medianCPU()), us(b.medianCPU())
	ratio := gc / max(bc, 0.001)
	gm, bm := g.median(), b.median()
	return Row{
		ID: "1", Name: fmt.Sprintf("server CPU per request (%d connections, sequential)", conns),
		Measured: gc, Baseline: bc, Unit: "µs/req", MeasuredName: "gamesrv", BaselineName: "bare gnet",
		Ratio: ratio, RatioText: fmt.Sprintf("%.1f×", ratio), Budget: "≤ 6 µs", Better: "lower", Pass: gc <= 6,
		Details: fmt.Sprintf("server process utime+stime over the measured phase / requests answered (loadgen ServerPID, /proc in 10 ms ticks), median of %d rounds "+
			"(gamesrv rounds: %s µs; bare gnet rounds: %s µs); "+
			"%d connections each sending one %d-byte echo request at a time (load generator on the same 2 cores); "+
			"gamesrv: %.0f req/s, p50 %v, p99 %v, CPU %v over %v; bare gnet: %.0f req/s, p50 %v, p99 %v, CPU %v over %v; reference from the design: Pitaya (compression off) 31 µs",
			len(g), g.cpus(), b.cpus(), conns, len(gm.Config.Payload), gm.Throughput, short(gm.P50), short(gm.P99), gm.ServerCPU, gm.Elapsed.Round(time.Millisecond),
			bm.Throughput, short(bm.P50), short(bm.P99), bm.ServerCPU, bm.Elapsed.Round(time.Millisecond)),
	}
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
	}
}
