package main

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"slices"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
)

// latencies are the round trips of one series of sequential requests.
type latencies struct {
	rtts  []time.Duration // sorted
	total time.Duration
}

// percentile returns the nearest-rank percentile p (0..1).
func (l latencies) percentile(p float64) time.Duration {
	if len(l.rtts) == 0 {
		return 0
	}
	i := int(float64(len(l.rtts))*p+0.999999) - 1
	return l.rtts[min(max(i, 0), len(l.rtts)-1)]
}

// runLossRow measures row 6: sequential echo round trips through a lossy
// path, KCP against TCP, against the gamesrv echo server.
func runLossRow(ctx context.Context, e *env) ([]Row, error) {
	p, err := e.kids.Start("echoserver", e.cfg.server, "-tcp", "127.0.0.1:0", "-kcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	tcpAddr, err := p.AwaitWord(10*time.Second, "LISTEN", "tcp")
	if err != nil {
		return nil, err
	}
	kcpAddr, err := p.AwaitWord(10*time.Second, "LISTEN", "kcp")
	if err != nil {
		return nil, err
	}
	seed := uint64(e.cfg.seed)
	ur, err := newUDPRelay(kcpAddr, e.cfg.loss, seed)
	if err != nil {
		return nil, err
	}
	defer ur.Close()
	tr, err := newTCPRelay(tcpAddr, e.cfg.loss, e.cfg.rto, seed+1)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	k, err := pingSeries(ctx, "kcp://"+ur.Addr(), e.cfg.pings)
	if err != nil {
		return nil, fmt.Errorf("kcp: %w", err)
	}
	e.logf("kcp through the lossy UDP relay: p50 %v p99 %v (%d datagrams dropped of %d)", short(k.percentile(.5)), short(k.percentile(.99)), ur.dropped.Load(), ur.dropped.Load()+ur.forwarded.Load())
	t, err := pingSeries(ctx, "tcp://"+tr.Addr(), e.cfg.pings)
	if err != nil {
		return nil, fmt.Errorf("tcp: %w", err)
	}
	e.logf("tcp through the RTO-model relay: p50 %v p99 %v (%d chunks lost of %d)", short(t.percentile(.5)), short(t.percentile(.99)), tr.lost.Load(), tr.lost.Load()+tr.forwarded.Load())
	return []Row{withChecks(lossRow(e.cfg, k, t, ur, tr), lossCheck(ur, tr))}, nil
}

// lossCheck checks that both relays did lose traffic: without loss the
// row compares two clean paths.
func lossCheck(ur *udpRelay, tr *tcpRelay) Check {
	dropped, lost := ur.dropped.Load(), tr.lost.Load()
	return Check{Name: checkLossApplied, OK: dropped > 0 && lost > 0,
		Detail: fmt.Sprintf("KCP: %d of %d datagrams dropped; TCP: %d of %d chunks lost",
			dropped, dropped+ur.forwarded.Load(), lost, lost+tr.forwarded.Load())}
}

// pingSeries sends n sequential echo requests (after 5 unmeasured ones)
// and returns their round trips.
func pingSeries(ctx context.Context, addr string, n int) (latencies, error) {
	c, err := client.Dial(ctx, addr, client.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return latencies{}, err
	}
	defer c.Close()
	echo := benchv1.NewEchoServiceClient(c)
	req := &benchv1.EchoRequest{Data: make([]byte, 16)}
	var l latencies
	for i := range n + 5 {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		start := time.Now()
		_, err := echo.Echo(rctx, req)
		rtt := time.Since(start)
		cancel()
		if err != nil {
			return l, fmt.Errorf("request %d: %w", i, err)
		}
		if i >= 5 {
			l.rtts = append(l.rtts, rtt)
			l.total += rtt
		}
	}
	slices.Sort(l.rtts)
	return l, nil
}

func lossRow(cfg *config, k, t latencies, ur *udpRelay, tr *tcpRelay) Row {
	kp99, tp99 := ms(k.percentile(.99)), ms(t.percentile(.99))
	ratio := kp99 / max(tp99, 0.001)
	return Row{
		ID: "6", Name: fmt.Sprintf("round trip p99 at %.0f%% loss: KCP vs TCP", cfg.loss*100),
		Measured: kp99, Baseline: tp99, Unit: "ms",
		MeasuredName: "KCP", BaselineName: "TCP", Ratio: ratio, RatioText: fmt.Sprintf("%.2f (1/%.1f)", ratio, 1/max(ratio, 0.001)),
		Budget: "KCP p99 ≤ 1/3 of TCP p99", Better: "lower", Pass: ratio <= 1.0/3,
		Details: fmt.Sprintf("gamesrv echo server, Go client, %d sequential 16-byte echo requests per transport after 5 unmeasured; "+
			"KCP (default tuning: no-delay, 10 ms interval, fast resend 2) through an in-process UDP relay dropping %.0f%% of datagrams each way (seeded RNG, no added delay; %d of %d dropped): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "+
			"TCP through an in-process relay modelling loss (user space cannot drop TCP bytes): each chunk read is lost with p=%.2f and then delivered after the Linux minimum RTO %v, doubled each time the retransmission is lost again, in byte order (head-of-line blocking); lost ACKs and tail-loss probes are not modelled (%d of %d chunks lost): "+
			"p50 %.2f ms, p99 %.2f ms, max %.2f ms; first reading from the notes (netns + nft, real kernel loss): KCP 32-61 ms vs TCP 413 ms; "+
			"real-kernel loss not measured here: %s",
			cfg.pings, cfg.loss*100, ur.dropped.Load(), ur.dropped.Load()+ur.forwarded.Load(),
			ms(k.percentile(.5)), kp99, ms(k.percentile(1)),
			cfg.loss, cfg.rto, tr.lost.Load(), tr.lost.Load()+tr.forwarded.Load(),
			ms(t.percentile(.5)), tp99, ms(t.percentile(1)), netnsNote()),
	}
}

// netnsNote says why the optional real-kernel loss measurement (a network
// namespace with an nftables random-drop rule) is not run.
func netnsNote() string {
	if _, err := exec.LookPath("nft"); err != nil {
		return "nft (Debian package nftables) is not installed"
	}
	return "it needs root, a network namespace and nftables rules, which the suite does not set up"
}

// ms converts d to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
