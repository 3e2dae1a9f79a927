package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/internal/childproc"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// runForwardRow measures row 7: the same load against one echo server
// process, against a frontend process that forwards every request to a
// backend process over a cluster link (gossip profile fast), and against
// the forwarding baseline (bare gnet's pair), in the same rounds.
func runForwardRow(ctx context.Context, e *env) ([]Row, error) {
	single, _, err := startTarget(e, "single", e.cfg.server, "-tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	front, back, err := startCluster(ctx, e)
	if err != nil {
		return nil, err
	}
	front.extra = []int{back.PID()} // the backend's CPU, over each measured phase
	bare, err := startBareForwarding(e)
	if err != nil {
		return nil, err
	}
	s, err := compare(ctx, e, e.cfg.fwdConns, e.cfg.fwdRounds, front, single, bare)
	if err != nil {
		return nil, err
	}
	answered := answeredCheck([]string{"forwarded", "single process", "bare forwarding"}, s[0], s[1], s[2])
	return []Row{withChecks(forwardRow(e.cfg, s[0], s[1], s[2]), answered)}, nil
}

// startBareForwarding starts the forwarding baseline: a bare gnet backend
// and a bare gnet frontend that forwards every request to it over one TCP
// link, with as many event loops as gamesrv's frontend runs.
func startBareForwarding(e *env) (target, error) {
	back, err := e.kids.Start("bare back", e.cfg.gnet, append([]string{"-link-listen", "127.0.0.1:0"}, e.profileArgs("bare back")...)...)
	if err != nil {
		return target{}, err
	}
	link, err := back.AwaitWord(10*time.Second, "LINK")
	if err != nil {
		return target{}, err
	}
	loops := strconv.Itoa(max(1, runtime.NumCPU()/2))
	front, _, err := startTarget(e, "bare forwarding", e.cfg.gnet, "-addr", "127.0.0.1:0", "-loops", loops, "-backend", link)
	if err != nil {
		return target{}, err
	}
	front.extra = []int{back.PID()}
	return front, nil
}

// startCluster starts a frontend and a backend that joins it, and waits
// until a request through the frontend reaches the backend.
func startCluster(ctx context.Context, e *env) (target, *childproc.Process, error) {
	front, fp, err := startTarget(e, "forwarded", e.cfg.server, "-role", "front", "-tcp", "127.0.0.1:0")
	if err != nil {
		return target{}, nil, err
	}
	seed, err := fp.AwaitWord(10*time.Second, "GOSSIP")
	if err != nil {
		return target{}, nil, err
	}
	back, err := e.kids.Start("back", e.cfg.server, append([]string{"-role", "back", "-seeds", seed}, e.profileArgs("back")...)...)
	if err != nil {
		return target{}, nil, err
	}
	if _, err := back.AwaitWord(10*time.Second, "GOSSIP"); err != nil {
		return target{}, nil, err
	}
	start := time.Now()
	if err := awaitForwarding(ctx, front.addr, 15*time.Second); err != nil {
		return target{}, nil, err
	}
	e.logf("frontend %s forwards to the backend (converged in %v)", front.addr, time.Since(start).Round(time.Millisecond))
	return front, back, nil
}

// awaitForwarding sends echo requests through addr until one is answered
// (the frontend answers GS-503 until it sees the backend).
func awaitForwarding(ctx context.Context, addr string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer c.Close()
	echo := benchv1.NewEchoServiceClient(c)
	for {
		_, err := echo.Echo(ctx, &benchv1.EchoRequest{Data: []byte("ping")})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no request forwarded within %v: %w", limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// forwardRow builds row 7. The frontend's and the backend's CPU per
// request are medians over the rounds, each read over the same measured
// phases (the backend with loadgen's ExtraPIDs).
func forwardRow(cfg *config, fwd, single, bare series) Row {
	fm, sm, bm := fwd.median(), single.median(), bare.median()
	ratio, ratios := fwd.pairedRatio(single)
	bareRatio, bareRatios := bare.pairedRatio(single)
	back := fwd.extraCPUPerRequest()
	return Row{
		ID: "7", Name: fmt.Sprintf("forwarded throughput, frontend → backend (%d connections)", cfg.fwdConns),
		Measured: fm.Throughput, Baseline: sm.Throughput, Unit: "req/s", MeasuredName: "forwarded", BaselineName: "single process",
		Ratio: ratio, RatioText: fmt.Sprintf("%.0f%%", ratio*100), Budget: "≥ 60%", Better: "higher", Pass: ratio >= 0.6,
		Details: fmt.Sprintf("%d connections, sequential %d-byte echo requests for %v after a %v warm-up, %d rounds alternating; "+
			"figures: median throughput of each; ratio: median of the per-round ratios (%s); "+
			"forwarded = echoserver -role front (TCP listener, RegisterRoutes of EchoService, cluster node) + echoserver -role back (EchoService, no listener), cluster.ProfileFast, one link; "+
			"forwarded rounds: %s req/s (p50 %v, p99 %v); CPU per request over each measured phase, median of the rounds: frontend %.2f µs per forwarded request (rounds: %s), backend %.2f µs (rounds: %s), single process %.2f µs (rounds: %s); "+
			"single-process rounds: %s req/s (p50 %v, p99 %v); "+
			"bare forwarding (the ceiling: gnetecho -backend, a bare gnet frontend forwarding every request's message over one TCP link to a bare backend, gamesrv's structure without its protocol): %.0f req/s, %.0f%% of the single process (rounds: %s), p50 %v, frontend %.2f µs, backend %.2f µs per request%s",
			cfg.fwdConns, cfg.payload+2, cfg.duration, cfg.warmup, len(fwd), ratios, fwd.throughputs(), short(fm.P50), short(fm.P99),
			us(fwd.medianCPU()), fwd.cpus(), us(medianDuration(back)), microseconds(fwd.extraCPUPerRequest()), us(single.medianCPU()), single.cpus(),
			single.throughputs(), short(sm.P50), short(sm.P99),
			bm.Throughput, bareRatio*100, bareRatios, short(bm.P50), us(bare.medianCPU()), us(medianDuration(bare.extraCPUPerRequest())), errorsText(fm.Errors)),
		RatioRounds: fwd.ratios(single),
	}.WithRounds(fwd.throughputValues(), single.throughputValues())
}
