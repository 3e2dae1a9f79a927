package main

import (
	"cmp"
	"context"
	"fmt"
	"github.com/gamesrv/gamesrv/internal/childproc"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/runtime/client"
	"google.golang.org/protobuf/proto"
)

// target is a server the load generator drives.
type target struct {
	name  string
	addr  string // tcp://host:port
	pid   int    // measured with loadgen's ServerPID; 0: CPU not measured
	extra []int  // more processes measured over the same window (ExtraPIDs)
	// route and payload, when set, replace the echo request (a -peer)
	route   string
	payload []byte
}

// startTarget starts bin with args and waits for its TCP address. With
// -cpuprofile the server writes a CPU profile named after the row and name.
func startTarget(e *env, name, bin string, args ...string) (target, *childproc.Process, error) {
	p, err := e.kids.Start(name, bin, append(args, e.profileArgs(name)...)...)
	if err != nil {
		return target{}, nil, err
	}
	addr, err := p.AwaitWord(10*time.Second, "LISTEN", "tcp")
	if err != nil {
		return target{}, p, err
	}
	return target{name: name, addr: "tcp://" + addr, pid: p.PID()}, p, nil
}

// loadConfig is the load of rows 1, 2 and 7: conns connections, each
// sending sequential echo requests with a small payload.
func loadConfig(cfg *config, t target, conns int) (loadgen.Config, error) {
	payload, err := echoPayload(cfg)
	if err != nil {
		return loadgen.Config{}, err
	}
	route := benchv1.EchoServiceEchoRoute
	if t.route != "" {
		route, payload = t.route, t.payload
	}
	return loadgen.Config{
		Addr: t.addr, Conns: conns, Duration: cfg.duration, Warmup: cfg.warmup, Pipeline: 1,
		Route: route, Payload: payload, ServerPID: t.pid, ExtraPIDs: t.extra,
		Client: client.Options{Logger: slog.New(slog.DiscardHandler)},
	}, nil
}

// echoPayload is the echo request of rows 1, 2 and 7.
func echoPayload(cfg *config) ([]byte, error) {
	return proto.Marshal(&benchv1.EchoRequest{Data: make([]byte, cfg.payload)})
}

// loadRun runs one load and checks that it measured something.
func loadRun(ctx context.Context, e *env, t target, conns int) (*loadgen.Report, error) {
	lc, err := loadConfig(e.cfg, t, conns)
	if err != nil {
		return nil, err
	}
	r, err := loadgen.Run(ctx, lc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name, err)
	}
	if r.OK == 0 {
		return nil, fmt.Errorf("%s: no request succeeded: %v", t.name, r.Errors)
	}
	e.logf("%-10s %3d conns: %8.0f req/s, server CPU %6.2f µs/req, p50 %v p99 %v%s",
		t.name, conns, r.Throughput, us(r.CPUPerRequest), short(r.P50), short(r.P99), errorsText(r.Errors))
	return r, nil
}

// series is the reports of the rounds of one server at one load.
type series []*loadgen.Report

// median returns the report of median throughput.
func (s series) median() *loadgen.Report {
	sorted := slices.SortedFunc(slices.Values(s), func(a, b *loadgen.Report) int { return cmp.Compare(a.Throughput, b.Throughput) })
	return sorted[len(sorted)/2]
}

// medianCPU returns the median server CPU per request.
func (s series) medianCPU() time.Duration {
	return medianDuration(s.cpuPerRequest())
}

// cpuPerRequest lists the rounds' server CPU per request.
func (s series) cpuPerRequest() []time.Duration {
	v := make([]time.Duration, len(s))
	for i, r := range s {
		v[i] = r.CPUPerRequest
	}
	return v
}

// extraCPUPerRequest lists the rounds' CPU per request of the first extra
// process (the target's extra), over the same window as the server's.
func (s series) extraCPUPerRequest() []time.Duration {
	v := make([]time.Duration, len(s))
	for i, r := range s {
		if len(r.ExtraCPU) > 0 && r.OK > 0 {
			v[i] = r.ExtraCPU[0] / time.Duration(r.OK)
		}
	}
	return v
}

// medianDuration returns the median of v (which it sorts).
func medianDuration(v []time.Duration) time.Duration {
	slices.Sort(v)
	return v[len(v)/2]
}

// answered counts the rounds' requests answered and failed.
func (s series) answered() (ok, failed int) {
	for _, r := range s {
		ok += r.OK
		for _, n := range r.Errors {
			failed += n
		}
	}
	return ok, failed
}

// answeredCheck checks that no request of any series failed; names name
// the series in the detail.
func answeredCheck(names []string, ss ...series) Check {
	c := Check{Name: checkAnswered, OK: true}
	parts := make([]string, len(ss))
	for i, s := range ss {
		ok, failed := s.answered()
		c.OK = c.OK && failed == 0
		parts[i] = fmt.Sprintf("%s %d OK, %d failed", names[i], ok, failed)
	}
	c.Detail = strings.Join(parts, "; ")
	return c
}

// pairedRatio returns the median over rounds of s's throughput divided by
// base's in the same round (the two runs of a round are adjacent in time,
// so the ratio cancels slow changes of the machine), and the ratios.
func (s series) pairedRatio(base series) (float64, string) {
	ratios := s.ratios(base)
	parts := make([]string, len(ratios))
	for i, r := range ratios {
		parts[i] = fmt.Sprintf("%.0f%%", r*100)
	}
	text := strings.Join(parts, ", ")
	slices.Sort(ratios)
	return ratios[len(ratios)/2], text
}

// ratios lists, round by round, s's throughput divided by base's.
func (s series) ratios(base series) []float64 {
	ratios := make([]float64, min(len(s), len(base)))
	for i := range ratios {
		ratios[i] = s[i].Throughput / max(base[i].Throughput, 1)
	}
	return ratios
}

// throughputValues lists the rounds' throughputs.
func (s series) throughputValues() []float64 {
	v := make([]float64, len(s))
	for i, r := range s {
		v[i] = r.Throughput
	}
	return v
}

// durationsUS converts durations to microseconds.
func durationsUS(v []time.Duration) []float64 {
	out := make([]float64, len(v))
	for i, d := range v {
		out[i] = us(d)
	}
	return out
}

// throughputs lists the rounds' throughputs, for the details.
func (s series) throughputs() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = fmt.Sprintf("%.0f", r.Throughput)
	}
	return strings.Join(parts, ", ")
}

// compare runs rounds of the same load against each target, alternating
// which goes first, and returns the series of each.
func compare(ctx context.Context, e *env, conns, rounds int, ts ...target) ([]series, error) {
	out := make([]series, len(ts))
	for round := range rounds {
		for j := range ts {
			i := j
			if round%2 == 1 {
				i = len(ts) - 1 - j
			}
			r, err := loadRun(ctx, e, ts[i], conns)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], r)
		}
	}
	return out, nil
}

// cpus lists the rounds' server CPU per request in µs, for the details.
func (s series) cpus() string {
	return microseconds(s.cpuPerRequest())
}

// microseconds lists durations in µs, for the details.
func microseconds(v []time.Duration) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = fmt.Sprintf("%.2f", us(d))
	}
	return strings.Join(parts, ", ")
}

// errorsText prints a report's errors, if any.
func errorsText(errs map[string]int) string {
	if len(errs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(", errors:")
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		fmt.Fprintf(&b, " %s %d", k, errs[k])
	}
	return b.String()
}

// us converts d to microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
