package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	chatv1 "github.com/gamesrv/gamesrv/examples/chat/gen/chat/v1"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
)

// probeRoute is what the probe asks, over and over: a small request that
// runs on the room's goroutine and answers the member list.
const probeRoute = "chat.room.members"

// slowProbe is the latency of issue 9's goal: no probe request over it.
const slowProbe = 100 * time.Millisecond

// probe is an innocent client on its own TCP connection, in its own room,
// that sends one small request at a time, pausing between them, and
// records when each was sent and how long its answer took.
type probe struct {
	c       *client.Client
	every   time.Duration
	timeout time.Duration
	stop    chan struct{}
	done    chan []sample
}

// sample is one probe request.
type sample struct {
	at       time.Time
	rtt      time.Duration // the timeout for a request that timed out
	timedOut bool
	err      error // a failure other than a timeout
}

// end is when the request was answered (or gave up).
func (s sample) end() time.Time { return s.at.Add(s.rtt) }

// dialClient dials a Go client of the suite: no logs (a client without
// push handlers warns about every push it drops) and the pushes of its
// room ignored (a raw push handler that drops them).
func dialClient(ctx context.Context, addr string, dialTimeout time.Duration) (*client.Client, error) {
	c, err := client.Dial(ctx, addr, client.Options{Logger: slog.New(slog.DiscardHandler), DialTimeout: dialTimeout})
	if err != nil {
		return nil, err
	}
	c.HandleRawPush(func(string, []byte) {})
	return c, nil
}

// startProbe connects the probe to the server's TCP listener, joins its
// room and starts sending.
func startProbe(ctx context.Context, cfg *config, addr string) (*probe, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := dialClient(dctx, "tcp://"+addr, 0)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	var joined chatv1.JoinResponse
	if err := c.Request(dctx, "chat.room.join", &chatv1.JoinRequest{Room: "probe", Name: "probe"}, &joined); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("probe: join: %w", err)
	}
	p := &probe{c: c, every: cfg.probeEvery, timeout: cfg.probeTimeout, stop: make(chan struct{}), done: make(chan []sample, 1)}
	go func() { p.done <- p.loop() }()
	return p, nil
}

// loop sends requests until stopped and returns the samples. The request
// in flight when it is stopped runs to its end.
func (p *probe) loop() []sample {
	var out []sample
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-p.stop:
			return out
		default:
		}
		out = append(out, p.once())
		pause.Reset(p.every)
		select {
		case <-p.stop:
			return out
		case <-pause.C:
		}
	}
}

// once sends one request.
func (p *probe) once() sample {
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	s := sample{at: time.Now()}
	err := p.c.Request(ctx, probeRoute, &chatv1.MembersRequest{}, &chatv1.MembersResponse{})
	s.rtt = time.Since(s.at)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded):
		s.timedOut, s.rtt = true, p.timeout
	default:
		s.err = err
	}
	return s
}

// finish stops the probe once its request in flight is answered, closes
// its connection and returns its samples.
func (p *probe) finish() []sample {
	close(p.stop)
	out := <-p.done
	_ = p.c.Close()
	return out
}

// phase summarizes the probe requests of a phase.
type phase struct {
	n        int
	p50, p99 time.Duration
	max      time.Duration
	slow     int // over slowProbe, timeouts included
	timeouts int
	errs     counts // failures other than timeouts, by code or kind
}

// The phases of a probe's samples: the baseline holds the requests sent
// from its start and answered before the attack; the attack phase holds
// every request in flight at some time while the attack lasted, the one
// sent just before it included.
func baselinePhase(samples []sample, from, attack time.Time) phase {
	return summarize(samples, func(s sample) bool { return !s.at.Before(from) && s.end().Before(attack) })
}

func attackPhase(samples []sample, attack, end time.Time) phase {
	return summarize(samples, func(s sample) bool { return !s.end().Before(attack) && s.at.Before(end) })
}

// summarize summarizes the samples in.
func summarize(samples []sample, in func(sample) bool) phase {
	var ph phase
	var rtts []time.Duration
	for _, s := range samples {
		if !in(s) {
			continue
		}
		ph.n++
		switch {
		case s.err != nil:
			var e *gamesrv.Error
			if errors.As(s.err, &e) {
				ph.errs.add(string(e.Code()), e.Message())
			} else {
				ph.errs.add("error", s.err.Error())
			}
			continue
		case s.timedOut:
			ph.timeouts++
		}
		rtts = append(rtts, s.rtt)
		if s.rtt > slowProbe {
			ph.slow++
		}
	}
	slices.Sort(rtts)
	ph.p50, ph.p99 = percentile(rtts, 0.50), percentile(rtts, 0.99)
	if len(rtts) > 0 {
		ph.max = rtts[len(rtts)-1]
	}
	return ph
}

// percentile returns the nearest-rank percentile p of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// text prints the phase for the details.
func (ph phase) text() string {
	return fmt.Sprintf("%d requests, p50 %v, p99 %v, max %v, %d over %v (%d timed out after the probe's timeout), errors: %s",
		ph.n, short(ph.p50), short(ph.p99), short(ph.max), ph.slow, slowProbe, ph.timeouts, ph.errs.String())
}

// probeFigures adds the probe's figures for both phases to s and returns
// the p99 ratio.
func probeFigures(s *Scenario, base, attack phase) float64 {
	ratio := float64(attack.p99) / float64(max(base.p99, time.Microsecond))
	s.figure("probe_p50_baseline", ms(base.p50), "ms")
	s.figure("probe_p99_baseline", ms(base.p99), "ms")
	s.figure("probe_max_baseline", ms(base.max), "ms")
	s.figure("probe_p50_attack", ms(attack.p50), "ms")
	s.figure("probe_p99_attack", ms(attack.p99), "ms")
	s.figure("probe_max_attack", ms(attack.max), "ms")
	s.figure("probe_p99_ratio", ratio, "ratio")
	s.figure("probe_over_100ms_attack", float64(attack.slow), "count")
	s.figure("probe_timeouts_attack", float64(attack.timeouts), "count")
	return ratio
}

// probeCheck checks that the probe measured both phases: enough answered
// requests in each, and no failure but timeouts (a probe that lost its
// connection measured nothing).
func probeCheck(base, attack phase, minSamples int) Check {
	return Check{
		Name: checkProbe,
		OK:   base.n >= minSamples && attack.n >= 1 && base.errs.total() == 0 && attack.errs.total() == 0,
		Detail: fmt.Sprintf("baseline %d requests, %d failed; attack %d requests, %d failed (at least %d and 1 needed, none failed)",
			base.n, base.errs.total(), attack.n, attack.errs.total(), minSamples),
	}
}

// probeHeadline prints the probe's p99 in both phases, the ratio, the max
// and the slow requests.
func probeHeadline(base, attack phase, ratio float64) string {
	return fmt.Sprintf("probe p99 %v → %v (%.1f×), max %v, %d over 100 ms", short(base.p99), short(attack.p99), ratio, short(attack.max), attack.slow)
}
