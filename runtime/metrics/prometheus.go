package metrics

import (
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Prometheus is a [Recorder] and [Gauges] that keeps its values in memory
// and writes them in the Prometheus text exposition format (version 0.0.4)
// when scraped: serve it on an admin listener (see runtime/admin) or call
// [Prometheus.WriteTo]. It is safe for concurrent use. Each Prometheus is
// its own registry: two servers in one process each get theirs, or share
// one and tell their gauges apart by their "server" label.
//
// With the default namespace it exports:
//
//	family                                  type       labels                    from
//	gamesrv_connections_opened_total        counter    network                   ConnOpened
//	gamesrv_connections_closed_total        counter    network                   ConnClosed
//	gamesrv_connections                     gauge      network                   opened - closed
//	gamesrv_requests_total                  counter    route, kind, code         Handled
//	gamesrv_request_duration_seconds        histogram  route, kind               Handled
//	gamesrv_pushes_total                    counter    route                     Pushed: packets encoded
//	gamesrv_push_deliveries_total           counter    route                     Pushed: sessions reached
//	gamesrv_forwards_total                  counter    server_type, code         Forwarded
//	gamesrv_forward_duration_seconds        histogram  server_type               Forwarded
//	gamesrv_remote_calls_total              counter    route, code               RemoteCall
//	gamesrv_remote_call_duration_seconds    histogram  route                     RemoteCall
//	gamesrv_link_errors_total               counter    peer                      LinkError
//
// kind is "request" or "notify"; code is "OK" or the error code the client
// got ("GS-404", "ROOM-FULL"). Histograms have the buckets of
// [PrometheusOptions.Buckets] (_bucket{le}, _sum, _count). The gauges the
// runtime registers through [Prometheus.Gauge] are read at scrape time;
// the server registers gamesrv_sessions, gamesrv_queued_jobs and
// gamesrv_groups, the cluster gamesrv_cluster_members and
// gamesrv_cluster_links, each labelled with the server id.
//
// # Cardinality
//
// Route labels come from the route table, but a client can send any route
// string and a forwarded request keeps the one it sent, so each family
// holds at most [PrometheusOptions.MaxSeries] label sets. Past it, a new
// label set is counted with its first label (route, peer, server_type or
// network) replaced by "other"; past twice the limit, with every label
// "other". Label sets seen before the limit keep their own series.
//
// Families with no series yet are not written. Families are written in
// name order and series in label order, so two scrapes of the same state
// are byte for byte equal.
type Prometheus struct {
	ns     string
	le     []string // the histogram bucket bounds, formatted
	bounds []int64  // the same, in nanoseconds
	konst  []labelPair
	max    int

	conns    *family[connSeries]
	requests *outcomes
	pushes   *family[pushSeries]
	forwards *outcomes
	remote   *outcomes
	links    *family[counter]
	gauges   gaugeSet

	fixed   []collector  // the built-in families
	lastLen atomic.Int64 // size of the last exposition, to size the next buffer
}

// PrometheusOptions configures a [Prometheus]. The zero value gives the
// defaults written on each field.
type PrometheusOptions struct {
	// Namespace prefixes the families: "<Namespace>_requests_total". The
	// gauges the runtime registers as "gamesrv_x" are renamed
	// "<Namespace>_x" too. Default (and replacement of a namespace that is
	// not a valid metric name): "gamesrv".
	Namespace string
	// Buckets are the upper bounds, in seconds, of the latency histograms.
	// They are sorted; duplicates and bounds that are not finite and
	// positive are dropped. Default: [DefaultBuckets], 100 µs to 5 s.
	Buckets []float64
	// ConstLabels are added to every series (after its own labels), for
	// example {"region": "eu"}. Names that are not valid label names, and
	// the label names of the built-in families (route, kind, code, network,
	// server_type, peer), are dropped; a gauge that has a label of the same
	// name keeps its own.
	ConstLabels map[string]string
	// MaxSeries is the number of label sets each family holds before new
	// ones are folded into "other" (see the Cardinality section of
	// [Prometheus]). Default 10,000.
	MaxSeries int
}

// DefaultMaxSeries is the default of [PrometheusOptions.MaxSeries].
const DefaultMaxSeries = 10_000

// Interface guards.
var (
	_ Recorder     = (*Prometheus)(nil)
	_ Gauges       = (*Prometheus)(nil)
	_ http.Handler = (*Prometheus)(nil)
	_ io.WriterTo  = (*Prometheus)(nil)
)

// NewPrometheus returns an empty Prometheus recorder.
func NewPrometheus(opts PrometheusOptions) *Prometheus {
	p := &Prometheus{ns: opts.Namespace, max: opts.MaxSeries}
	if !validName(p.ns) {
		p.ns = "gamesrv"
	}
	if p.max <= 0 {
		p.max = DefaultMaxSeries
	}
	buckets := normalizeBuckets(opts.Buckets)
	p.bounds = boundsNanos(buckets)
	for _, b := range buckets {
		p.le = append(p.le, formatFloat(b))
	}
	p.konst = constLabels(opts.ConstLabels)
	p.gauges.init()
	p.initFamilies()
	return p
}

// seriesLabel reports whether n is a label name of the built-in families,
// which constant labels may not take.
func seriesLabel(n string) bool {
	switch n {
	case "route", "kind", "code", "network", "server_type", "peer":
		return true
	}
	return false
}

// constLabels sorts the valid constant labels by name.
func constLabels(m map[string]string) []labelPair {
	var out []labelPair
	for _, n := range slices.Sorted(maps.Keys(m)) {
		if validLabelName(n) && !seriesLabel(n) {
			out = append(out, labelPair{n, m[n]})
		}
	}
	return out
}

func (p *Prometheus) initFamilies() {
	p.conns = newFamily[connSeries](p.max, nil, "network")
	p.requests = newOutcomes(p, "route", "kind", "code")
	p.pushes = newFamily[pushSeries](p.max, nil, "route")
	p.forwards = newOutcomes(p, "server_type", "code")
	p.remote = newOutcomes(p, "route", "code")
	p.links = newFamily[counter](p.max, nil, "peer")
	p.fixed = p.collectors()
}

// name returns the namespaced name of a family.
func (p *Prometheus) name(suffix string) string { return p.ns + "_" + suffix }

// ConnOpened implements [Recorder].
func (p *Prometheus) ConnOpened(network string) { p.conns.get(labelKey{network}).opened.Add(1) }

// ConnClosed implements [Recorder].
func (p *Prometheus) ConnClosed(network string) { p.conns.get(labelKey{network}).closed.Add(1) }

// Handled implements [Recorder].
func (p *Prometheus) Handled(route, kind, code string, d time.Duration) {
	p.requests.observe(labelKey{route, kind, code}, d)
}

// Pushed implements [Recorder].
func (p *Prometheus) Pushed(route string, n int) {
	s := p.pushes.get(labelKey{route})
	s.pushes.Add(1)
	s.deliveries.Add(uint64(max(n, 0)))
}

// Forwarded implements [Recorder].
func (p *Prometheus) Forwarded(serverType, code string, d time.Duration) {
	p.forwards.observe(labelKey{serverType, code}, d)
}

// RemoteCall implements [Recorder].
func (p *Prometheus) RemoteCall(route, code string, d time.Duration) {
	p.remote.observe(labelKey{route, code}, d)
}

// LinkError implements [Recorder].
func (p *Prometheus) LinkError(peer string) { p.links.get(labelKey{peer}).Add(1) }

// WriteTo writes every family in the text exposition format, version
// 0.0.4, in a deterministic order: families by name, series by labels. It
// calls the registered gauges' read functions.
func (p *Prometheus) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(p.appendText())
	return int64(n), err
}

// ServeHTTP answers GET and HEAD with the text exposition format
// ([ContentType]), and other methods with 405.
func (p *Prometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body := p.appendText()
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// appendText returns the exposition of every family.
func (p *Prometheus) appendText() []byte {
	cs := slices.Concat(p.fixed, p.gauges.collectors()) // a copy: p.fixed is shared
	slices.SortFunc(cs, func(a, b collector) int { return strings.Compare(a.name, b.name) })
	e := &expo{b: make([]byte, 0, p.lastLen.Load()+p.lastLen.Load()/8), konst: p.konst}
	for _, c := range cs {
		c.write(e)
	}
	p.lastLen.Store(int64(len(e.b)))
	return e.b
}
