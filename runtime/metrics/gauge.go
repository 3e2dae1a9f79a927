package metrics

import (
	"slices"
	"strings"
	"sync"
)

// gaugeSet holds the gauges registered through [Prometheus.Gauge].
type gaugeSet struct {
	mu   sync.Mutex
	fams map[string]*gaugeFamily // by name
}

// gaugeFamily is the gauges of one name.
type gaugeFamily struct {
	help   string
	series []gaugeSeries
}

// gaugeSeries is one registered gauge.
type gaugeSeries struct {
	names, values []string
	read          func() float64
}

func (g *gaugeSet) init() { g.fams = map[string]*gaugeFamily{} }

// Gauge implements [Gauges]: it registers a value read at each scrape.
// labels are alternating name, value pairs; a trailing name without a value
// is ignored. A name starting with "gamesrv_" takes the namespace instead
// of that prefix. Registering the same name and label values again
// replaces the read function; the first registration of a name sets its
// help. A gauge is ignored when read is nil, when its name or a label name
// is not valid, when its name is taken by a built-in family (see
// [Prometheus]), or when its family already holds MaxSeries gauges.
func (p *Prometheus) Gauge(name, help string, read func() float64, labels ...string) {
	if rest, ok := strings.CutPrefix(name, "gamesrv_"); ok {
		name = p.name(rest)
	}
	names, values, ok := splitPairs(labels)
	if !ok || read == nil || !validName(name) || p.builtin(name) {
		return
	}
	p.gauges.add(name, help, gaugeSeries{names: names, values: values, read: read}, p.max)
}

// splitPairs splits name, value pairs and checks the names.
func splitPairs(labels []string) (names, values []string, ok bool) {
	for i := 0; i+1 < len(labels); i += 2 {
		if !validLabelName(labels[i]) || slices.Contains(names, labels[i]) {
			return nil, nil, false
		}
		names = append(names, labels[i])
		values = append(values, labels[i+1])
	}
	return names, values, true
}

// builtin reports whether name is a built-in family or one of its
// histogram samples.
func (p *Prometheus) builtin(name string) bool {
	for _, c := range p.fixed {
		if name == c.name || name == c.name+"_bucket" || name == c.name+"_sum" || name == c.name+"_count" {
			return true
		}
	}
	return false
}

func (g *gaugeSet) add(name, help string, s gaugeSeries, max int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fams[name]
	if f == nil {
		f = &gaugeFamily{help: help}
		g.fams[name] = f
	}
	for i := range f.series {
		if slices.Equal(f.series[i].names, s.names) && slices.Equal(f.series[i].values, s.values) {
			f.series[i].read = s.read
			return
		}
	}
	if len(f.series) < max {
		f.series = append(f.series, s)
	}
}

// collectors returns one collector per gauge family. The read functions
// are called when the collector writes, without g's lock.
func (g *gaugeSet) collectors() []collector {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]collector, 0, len(g.fams))
	for name, f := range g.fams {
		help, series := f.help, slices.Clone(f.series)
		out = append(out, collector{name: name, write: func(e *expo) { writeGauges(e, name, help, series) }})
	}
	return out
}

func writeGauges(e *expo, name, help string, series []gaugeSeries) {
	slices.SortFunc(series, func(a, b gaugeSeries) int { return slices.Compare(a.values, b.values) })
	e.header(name, help, typeGauge)
	for _, s := range series {
		e.sample(name, e.labels(s.names, s.values), "")
		e.float(s.read())
	}
}
