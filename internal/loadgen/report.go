package loadgen

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Report is the outcome of a [Run]. Latency percentiles come from a
// log-bucket histogram: each is the midpoint of its bucket, within 0.8%
// of the exact value (exact below 128 ns), and never above Max, which is
// exact.
type Report struct {
	// Config is the run's configuration, defaults filled in.
	Config Config `json:"-"`
	// Conns is the number of connections that took part in the measured
	// phase.
	Conns int
	// Sent is the number of measured requests (or notifies) sent. A
	// request interrupted by the cancellation of Run's context is not
	// counted.
	Sent int
	// OK is the number of measured requests answered without error (of
	// notifies written without error).
	OK int
	// Errors counts failures by key: the code of an error response
	// ("GS-503", "CHAT-NOT-IN-ROOM"...), or "timeout", "closed", "dial",
	// "canceled", "other". Failed dials and Init steps are counted here
	// too (a failed Init step under its error's key); nil when nothing
	// failed.
	Errors map[string]int
	// Messages holds, for each key of Errors, the message of the first
	// failure counted under it: the server's message for an error code,
	// the connection's error for "closed", the error itself otherwise.
	Messages map[string]string `json:",omitempty"`
	// Pushes is the number of pushes the connections received, from
	// connecting to the end of the measured phase.
	Pushes int64
	// Elapsed is the length of the measured phase.
	Elapsed time.Duration
	// Throughput is OK per second of the measured phase (Sent per second
	// for notifies, the phase ending when the server has answered every
	// connection's barrier request; see [Config.Notify]).
	Throughput float64
	// Drain is, for notifies, the longest time a connection waited for
	// the answer to its barrier request after its last notify: how far
	// behind the client the server was. Zero for requests.
	Drain time.Duration
	// P50, P99, P999 and Max are latencies of the OK requests; zero for
	// notifies.
	P50, P99, P999, Max time.Duration
	// ServerCPU is the server process's user+system CPU time during the
	// measured phase; 0 without Config.ServerPID.
	ServerCPU time.Duration
	// CPUPerRequest is ServerCPU divided by OK (by Sent for notifies).
	CPUPerRequest time.Duration
	// ExtraCPU is the CPU time of each process of Config.ExtraPIDs, in
	// order, over the same window as ServerCPU.
	ExtraCPU []time.Duration `json:",omitempty"`
	// ServerRSSBefore is the server's resident memory before the first
	// dial, ServerRSSAfter at the end of the measured phase, before the
	// connections close, in bytes: their difference includes what the
	// connections cost.
	ServerRSSBefore, ServerRSSAfter int64
}

// report assembles the Report of a finished run.
func (r *run) report(ph phase) *Report {
	var total tally
	rep := &Report{Config: r.cfg, Elapsed: ph.elapsed}
	for _, k := range r.conns {
		total.merge(&k.setup)
		for i := range k.senders {
			total.merge(&k.senders[i])
		}
		if k.ready {
			rep.Conns++
		}
		rep.Pushes += k.pushes.Load()
		rep.Drain = max(rep.Drain, k.drain)
	}
	rep.Sent, rep.OK, rep.Errors, rep.Messages = total.sent, total.ok, total.errors, total.messages()
	rep.P50, rep.P99, rep.P999 = total.lat.quantile(0.5), total.lat.quantile(0.99), total.lat.quantile(0.999)
	rep.Max = total.lat.max
	done := rep.OK
	if r.cfg.Notify {
		done = rep.Sent
	}
	if ph.elapsed > 0 {
		rep.Throughput = float64(done) / ph.elapsed.Seconds()
	}
	if r.cfg.ServerPID > 0 {
		rep.ServerCPU = ph.after.server.cpu - ph.before.server.cpu
		rep.ServerRSSBefore, rep.ServerRSSAfter = r.before.server.rss, ph.after.server.rss
		if done > 0 {
			rep.CPUPerRequest = rep.ServerCPU / time.Duration(done)
		}
	}
	for i := range ph.after.extra {
		rep.ExtraCPU = append(rep.ExtraCPU, ph.after.extra[i]-ph.before.extra[i])
	}
	return rep
}

// String returns a short human summary, a few lines.
func (r *Report) String() string {
	var b strings.Builder
	kind, unit := "requests", "request"
	if r.Config.Notify {
		kind, unit = "notifies", "notify"
	}
	fmt.Fprintf(&b, "%s on %s: %d conns, pipeline %d, %s for %s\n",
		r.Config.Route, r.Config.Addr, r.Conns, r.Config.Pipeline, kind, round(r.Elapsed))
	fmt.Fprintf(&b, "sent %d  ok %d  errors %d  throughput %.0f/s  pushes %d\n",
		r.Sent, r.OK, r.failures(), r.Throughput, r.Pushes)
	if r.Config.Notify {
		fmt.Fprintf(&b, "barrier %s: the server handled the last notify %s after it was written\n", r.Config.BarrierRoute, round(r.Drain))
	} else {
		fmt.Fprintf(&b, "latency p50 %s  p99 %s  p99.9 %s  max %s\n", round(r.P50), round(r.P99), round(r.P999), round(r.Max))
	}
	if r.Config.ServerPID > 0 {
		fmt.Fprintf(&b, "server cpu %s (%s per %s)  rss %s -> %s\n", round(r.ServerCPU),
			round(r.CPUPerRequest), unit, mib(r.ServerRSSBefore), mib(r.ServerRSSAfter))
	}
	r.writeErrors(&b)
	return strings.TrimSuffix(b.String(), "\n")
}

// writeErrors writes the errors section: a line per key, with its count
// and the message of its first failure.
func (r *Report) writeErrors(b *strings.Builder) {
	if len(r.Errors) == 0 {
		return
	}
	keys := slices.Sorted(maps.Keys(r.Errors))
	width := 0
	for _, k := range keys {
		width = max(width, len(fmt.Sprint(k, " ", r.Errors[k])))
	}
	b.WriteString("errors (count, first message):\n")
	for _, k := range keys {
		line := fmt.Sprint(k, " ", r.Errors[k])
		if msg := r.Messages[k]; msg != "" {
			line = fmt.Sprintf("%-*s  %s", width, line, printable(msg))
		}
		fmt.Fprintf(b, "  %s\n", line)
	}
}

// maxMessage bounds a message in the summary.
const maxMessage = 200

// printable returns a message from a server as one line of text: quoted
// when it holds control characters, cut at maxMessage bytes.
func printable(msg string) string {
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage], "") + "..."
	}
	if strings.IndexFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(msg)
	}
	return msg
}

// failures is the total of Errors.
func (r *Report) failures() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// round keeps three to five significant digits of a duration.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}

// mib formats bytes as MiB.
func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
