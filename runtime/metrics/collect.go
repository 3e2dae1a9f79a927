package metrics

import (
	"sync/atomic"
	"time"
)

// counter is a series with one count.
type counter struct{ atomic.Uint64 }

// connSeries counts the connections of one network.
type connSeries struct{ opened, closed atomic.Uint64 }

// pushSeries counts the pushes of one route.
type pushSeries struct{ pushes, deliveries atomic.Uint64 }

// outcome counts the calls of one label set with one code, and points to
// the latency histogram of the label set without the code.
type outcome struct {
	n atomic.Uint64
	h *histogram
}

// outcomes counts calls by label set and code (the last label), with a
// latency histogram per label set without the code: one map lookup per
// call finds both.
type outcomes struct {
	counts *family[outcome]
	hists  *family[histogram] // keyed by the labels without the code; bounded by counts
	code   int                // index of the code label
}

func newOutcomes(p *Prometheus, labels ...string) *outcomes {
	code := len(labels) - 1
	hists := newFamily(0, func(labelKey) *histogram { return newHistogram(p.bounds) }, labels[:code]...)
	mk := func(k labelKey) *outcome {
		k[code] = ""
		return &outcome{h: hists.get(k)}
	}
	return &outcomes{counts: newFamily(p.max, mk, labels...), hists: hists, code: code}
}

// observe counts one call of label set k.
func (o *outcomes) observe(k labelKey, d time.Duration) {
	s := o.counts.get(k)
	s.n.Add(1)
	s.h.observe(d)
}

// collector writes one family.
type collector struct {
	name  string
	write func(e *expo)
}

// collectors returns the built-in families.
func (p *Prometheus) collectors() []collector {
	var cs []collector
	cs = append(cs, p.connCollectors()...)
	cs = append(cs, p.requests.collectors(p.name("requests_total"), p.name("request_duration_seconds"),
		"Client requests and notifies handled, by route, kind and code (OK or the error code).",
		"Time from the arrival of a client request or notify to its answer, queueing included.", p.le)...)
	cs = append(cs, p.pushCollectors()...)
	cs = append(cs, p.forwards.collectors(p.name("forwards_total"), p.name("forward_duration_seconds"),
		"Client requests forwarded to another server, by server type and code.",
		"Duration of client requests forwarded to another server.", p.le)...)
	cs = append(cs, p.remote.collectors(p.name("remote_calls_total"), p.name("remote_call_duration_seconds"),
		"Server-to-server calls made, by route and code.",
		"Duration of server-to-server calls.", p.le)...)
	return append(cs, counterCollector(p.name("link_errors_total"),
		"Server-to-server links that failed or could not be dialled, by peer.", p.links))
}

func (p *Prometheus) connCollectors() []collector {
	f := p.conns
	return []collector{
		seriesCollector(p.name("connections_opened_total"), "Client connections opened, by transport.", typeCounter, f,
			func(e *expo, s *connSeries) { e.uint(s.opened.Load()) }),
		seriesCollector(p.name("connections_closed_total"), "Client connections closed, by transport.", typeCounter, f,
			func(e *expo, s *connSeries) { e.uint(s.closed.Load()) }),
		seriesCollector(p.name("connections"), "Open client connections, by transport.", typeGauge, f,
			func(e *expo, s *connSeries) {
				closed := s.closed.Load() // before opened: never negative
				e.float(float64(s.opened.Load()) - float64(closed))
			}),
	}
}

func (p *Prometheus) pushCollectors() []collector {
	return []collector{
		seriesCollector(p.name("pushes_total"), "Push packets encoded, by route: a group push counts once.", typeCounter, p.pushes,
			func(e *expo, s *pushSeries) { e.uint(s.pushes.Load()) }),
		seriesCollector(p.name("push_deliveries_total"), "Sessions a push was written to, by route.", typeCounter, p.pushes,
			func(e *expo, s *pushSeries) { e.uint(s.deliveries.Load()) }),
	}
}

func counterCollector(name, help string, f *family[counter]) collector {
	return seriesCollector(name, help, typeCounter, f, func(e *expo, s *counter) { e.uint(s.Load()) })
}

// seriesCollector writes one sample per series of f, valued by value.
func seriesCollector[S any](name, help, typ string, f *family[S], value func(*expo, *S)) collector {
	return collector{name: name, write: func(e *expo) {
		all := f.snapshot()
		if len(all) == 0 {
			return
		}
		e.header(name, help, typ)
		for _, en := range all {
			e.sample(name, e.labels(f.labels, en.key[:len(f.labels)]), "")
			value(e, en.s)
		}
	}}
}

// collectors returns the counter and histogram families of o.
func (o *outcomes) collectors(total, duration, totalHelp, durationHelp string, le []string) []collector {
	return []collector{
		seriesCollector(total, totalHelp, typeCounter, o.counts, func(e *expo, s *outcome) { e.uint(s.n.Load()) }),
		{name: duration, write: func(e *expo) { writeHistograms(e, duration, durationHelp, o.hists, le) }},
	}
}

// writeHistograms writes the _bucket, _sum and _count samples of every
// histogram of f.
func writeHistograms(e *expo, name, help string, f *family[histogram], le []string) {
	all := f.snapshot()
	if len(all) == 0 {
		return
	}
	e.header(name, help, typeHistogram)
	bucket, sumName, count := name+"_bucket", name+"_sum", name+"_count"
	for _, en := range all {
		labels := e.labels(f.labels, en.key[:len(f.labels)])
		cum, sum := en.s.read()
		for i, c := range cum {
			bound := "+Inf"
			if i < len(le) {
				bound = le[i]
			}
			e.sample(bucket, labels, bound)
			e.uint(c)
		}
		e.sample(sumName, labels, "")
		e.float(sum)
		e.sample(count, labels, "")
		e.uint(cum[len(cum)-1])
	}
}
