package metrics_test

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/metrics"
)

// scrape returns p's exposition as text.
func scrape(t testing.TB, p *metrics.Prometheus) string {
	t.Helper()
	var b bytes.Buffer
	n, err := p.WriteTo(&b)
	if err != nil || n != int64(b.Len()) {
		t.Fatalf("WriteTo: %d, %v (wrote %d)", n, err, b.Len())
	}
	return b.String()
}

// record feeds p with one call of every Recorder method, and more.
func record(p *metrics.Prometheus) {
	p.ConnOpened("tcp")
	p.ConnOpened("tcp")
	p.ConnOpened("kcp")
	p.ConnClosed("tcp")
	for _, d := range []time.Duration{50 * time.Microsecond, 3 * time.Millisecond, 3 * time.Millisecond, 2 * time.Second, time.Minute} {
		p.Handled("chat.room.join", "request", "OK", d)
	}
	p.Handled("chat.room.join", "request", "CHAT-BAD-NAME", time.Millisecond)
	p.Handled("chat.room.say", "notify", "OK", 0)
	p.Pushed("onMessage", 10)
	p.Pushed("onMessage", 0)
	p.Forwarded("room", "OK", 4*time.Millisecond)
	p.Forwarded("room", "GS-504", 5*time.Second)
	p.RemoteCall("room.room.stats", "OK", 700*time.Microsecond)
	p.LinkError("room-2")
	p.LinkError("room-2")
	p.Gauge("gamesrv_sessions", "Open client sessions.", func() float64 { return 2 }, "server", "conn-1")
	p.Gauge("gamesrv_queued_jobs", "Requests queued.", func() float64 { return 0 }, "server", "conn-1")
}

func TestExpositionFormat(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{ConstLabels: map[string]string{"region": "eu"}})
	record(p)
	text := scrape(t, p)
	ex := parseExposition(t, text)
	if n := ex.checkHistograms(t); n != 4 {
		t.Errorf("%d histogram series, want 4", n)
	}
	wantTypes := map[string]string{
		"gamesrv_connections": "gauge", "gamesrv_connections_opened_total": "counter", "gamesrv_connections_closed_total": "counter",
		"gamesrv_requests_total": "counter", "gamesrv_request_duration_seconds": "histogram",
		"gamesrv_pushes_total": "counter", "gamesrv_push_deliveries_total": "counter",
		"gamesrv_forwards_total": "counter", "gamesrv_forward_duration_seconds": "histogram",
		"gamesrv_remote_calls_total": "counter", "gamesrv_remote_call_duration_seconds": "histogram",
		"gamesrv_link_errors_total": "counter", "gamesrv_sessions": "gauge", "gamesrv_queued_jobs": "gauge",
	}
	for name, typ := range wantTypes {
		if ex.typ[name] != typ {
			t.Errorf("TYPE of %s = %q, want %q", name, ex.typ[name], typ)
		}
	}
	if len(ex.typ) != len(wantTypes) {
		t.Errorf("%d families, want %d:\n%s", len(ex.typ), len(wantTypes), text)
	}
	for _, s := range ex.samples {
		if s.labels["region"] != "eu" {
			t.Errorf("%s%v lacks the constant label", s.name, s.labels)
		}
	}
}

func TestValues(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	record(p)
	ex := parseExposition(t, scrape(t, p))
	tests := []struct {
		key  string
		want float64
	}{
		{`gamesrv_connections_opened_total{network="tcp"}`, 2},
		{`gamesrv_connections_opened_total{network="kcp"}`, 1},
		{`gamesrv_connections_closed_total{network="tcp"}`, 1},
		{`gamesrv_connections{network="tcp"}`, 1},
		{`gamesrv_connections{network="kcp"}`, 1},
		{`gamesrv_requests_total{route="chat.room.join",kind="request",code="OK"}`, 5},
		{`gamesrv_requests_total{route="chat.room.join",kind="request",code="CHAT-BAD-NAME"}`, 1},
		{`gamesrv_requests_total{route="chat.room.say",kind="notify",code="OK"}`, 1},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="0.0001"}`, 1},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="0.001"}`, 2},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="0.005"}`, 4},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="2.5"}`, 5},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="5"}`, 5},
		{`gamesrv_request_duration_seconds_bucket{route="chat.room.join",kind="request",le="+Inf"}`, 6},
		{`gamesrv_request_duration_seconds_count{route="chat.room.join",kind="request"}`, 6},
		{`gamesrv_request_duration_seconds_sum{route="chat.room.join",kind="request"}`, 62.00705},
		{`gamesrv_request_duration_seconds_count{route="chat.room.say",kind="notify"}`, 1},
		{`gamesrv_pushes_total{route="onMessage"}`, 2},
		{`gamesrv_push_deliveries_total{route="onMessage"}`, 10},
		{`gamesrv_forwards_total{server_type="room",code="OK"}`, 1},
		{`gamesrv_forwards_total{server_type="room",code="GS-504"}`, 1},
		{`gamesrv_forward_duration_seconds_count{server_type="room"}`, 2},
		{`gamesrv_forward_duration_seconds_bucket{server_type="room",le="5"}`, 2},
		{`gamesrv_remote_calls_total{route="room.room.stats",code="OK"}`, 1},
		{`gamesrv_remote_call_duration_seconds_bucket{route="room.room.stats",le="0.0005"}`, 0},
		{`gamesrv_remote_call_duration_seconds_bucket{route="room.room.stats",le="0.001"}`, 1},
		{`gamesrv_link_errors_total{peer="room-2"}`, 2},
		{`gamesrv_sessions{server="conn-1"}`, 2},
		{`gamesrv_queued_jobs{server="conn-1"}`, 0},
	}
	for _, tt := range tests {
		got, ok := ex.byKey[tt.key]
		if !ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s = %v (present %v), want %v", tt.key, got, ok, tt.want)
		}
	}
}

func TestDeterministicOrder(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	record(p)
	for i := range 50 {
		p.Handled(fmt.Sprintf("r.s.m%02d", 49-i), "request", "OK", time.Millisecond)
	}
	first := scrape(t, p)
	if again := scrape(t, p); again != first {
		t.Fatal("two scrapes of the same state differ")
	}
	ex := parseExposition(t, first)
	var families, routes []string
	for _, s := range ex.samples {
		fam := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s.name, "_bucket"), "_sum"), "_count")
		if len(families) == 0 || families[len(families)-1] != fam {
			families = append(families, fam)
		}
		if s.name == "gamesrv_requests_total" {
			routes = append(routes, s.labels["route"]+" "+s.labels["code"])
		}
	}
	if !isSorted(families) || !isSorted(routes) {
		t.Errorf("not sorted:\nfamilies %v\nseries %v", families, routes)
	}
}

func isSorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] < s[i-1] {
			return false
		}
	}
	return true
}

func TestLabelEscaping(t *testing.T) {
	tests := []struct {
		name, route, written string
	}{
		{"plain", "a.b.c", `a.b.c`},
		{"quote", `say "hi"`, `say \"hi\"`},
		{"backslash", `c:\dir`, `c:\\dir`},
		{"newline", "two\nlines", `two\nlines`},
		{"all", "\\\"\n", `\\\"\n`},
		{"invalid utf-8", "bad\xffbyte", "bad\uFFFDbyte"},
		{"unicode", "héllo→", "héllo→"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := metrics.NewPrometheus(metrics.PrometheusOptions{})
			p.Pushed(tt.route, 1)
			text := scrape(t, p)
			want := `gamesrv_pushes_total{route="` + tt.written + `"} 1`
			if !strings.Contains(text, want+"\n") {
				t.Fatalf("missing %s in\n%s", want, text)
			}
			ex := parseExposition(t, text)
			if got := ex.samples[0].labels["route"]; got != strings.ToValidUTF8(tt.route, "\uFFFD") {
				t.Errorf("route parsed back as %q", got)
			}
		})
	}
}

func TestHelpEscaping(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	p.Gauge("x_gauge", "a \\ and\na newline", func() float64 { return math.Inf(-1) })
	text := scrape(t, p)
	want := "# HELP x_gauge a \\\\ and\\na newline\n# TYPE x_gauge gauge\nx_gauge -Inf\n"
	if text != want {
		t.Fatalf("got\n%q\nwant\n%q", text, want)
	}
}

func TestCardinalityCap(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{MaxSeries: 3})
	for i := range 10 {
		p.Handled(fmt.Sprintf("junk.%d", i), "request", "GS-404", time.Millisecond)
	}
	p.Handled("junk.1", "request", "GS-404", time.Millisecond) // an early series keeps its own
	p.Handled("junk.8", "notify", "GS-404", time.Millisecond)  // folded, new kind: a series of its own
	p.Handled("junk.9", "request", "APP-1", time.Millisecond)  // folded: the 6th series
	p.Handled("junk.9", "request", "APP-2", time.Millisecond)  // 2×3 series: every label "other"
	p.Handled("junk.9", "request", "GS-404", time.Millisecond) // an existing folded series
	ex := parseExposition(t, scrape(t, p))
	if n := ex.checkHistograms(t); n != 6 {
		t.Errorf("%d histogram series, want 6", n)
	}
	tests := []struct {
		key  string
		want float64
	}{
		{`gamesrv_requests_total{route="junk.0",kind="request",code="GS-404"}`, 1},
		{`gamesrv_requests_total{route="junk.1",kind="request",code="GS-404"}`, 2},
		{`gamesrv_requests_total{route="junk.2",kind="request",code="GS-404"}`, 1},
		{`gamesrv_requests_total{route="other",kind="request",code="GS-404"}`, 8},
		{`gamesrv_requests_total{route="other",kind="notify",code="GS-404"}`, 1},
		{`gamesrv_requests_total{route="other",kind="request",code="APP-1"}`, 1},
		{`gamesrv_requests_total{route="other",kind="other",code="other"}`, 1},
		{`gamesrv_request_duration_seconds_count{route="other",kind="request"}`, 9},
		{`gamesrv_request_duration_seconds_count{route="other",kind="other"}`, 1},
	}
	for _, tt := range tests {
		if got, ok := ex.byKey[tt.key]; !ok || got != tt.want {
			t.Errorf("%s = %v (present %v), want %v", tt.key, got, ok, tt.want)
		}
	}
	var n int
	for _, s := range ex.samples {
		if s.name == "gamesrv_requests_total" {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d request series, want 7 (2×MaxSeries + 1)", n)
	}
}

func TestGauges(t *testing.T) {
	tests := []struct {
		name   string
		gauge  string
		labels []string
		want   string // the sample line, "" if ignored
	}{
		{"runtime name", "gamesrv_sessions", []string{"server", "a"}, `game_sessions{server="a"} 1`},
		{"own name", "my_gauge", nil, `my_gauge 1`},
		{"trailing label name", "my_other", []string{"server", "a", "zone"}, `my_other{server="a"} 1`},
		{"bad name", "1bad", nil, ""},
		{"bad label", "g_bad_label", []string{"1x", "a"}, ""},
		{"reserved label", "g_le", []string{"le", "1"}, ""},
		{"duplicate label", "g_dup", []string{"a", "1", "a", "2"}, ""},
		{"built-in family", "gamesrv_requests_total", nil, ""},
		{"built-in histogram sample", "game_request_duration_seconds_count", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := metrics.NewPrometheus(metrics.PrometheusOptions{Namespace: "game"})
			p.Gauge(tt.gauge, "help", func() float64 { return 1 }, tt.labels...)
			text := scrape(t, p)
			if tt.want == "" {
				if text != "" {
					t.Fatalf("gauge not ignored:\n%s", text)
				}
				return
			}
			if !strings.Contains(text, "\n"+tt.want+"\n") {
				t.Fatalf("missing %s in\n%s", tt.want, text)
			}
		})
	}
}

func TestGaugeReplaceAndNil(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	p.Gauge("gamesrv_groups", "Groups.", func() float64 { return 1 }, "server", "a")
	p.Gauge("gamesrv_groups", "Other help.", func() float64 { return 2 }, "server", "a")
	p.Gauge("gamesrv_groups", "Groups.", func() float64 { return 3 }, "server", "b")
	p.Gauge("gamesrv_groups", "Groups.", nil, "server", "c")
	want := "# HELP gamesrv_groups Groups.\n# TYPE gamesrv_groups gauge\n" +
		"gamesrv_groups{server=\"a\"} 2\ngamesrv_groups{server=\"b\"} 3\n"
	if got := scrape(t, p); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOptions(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{
		Namespace:   "bad-name",
		Buckets:     []float64{1, math.NaN(), 0.5, -1, 1, math.Inf(1), 0},
		ConstLabels: map[string]string{"zone": "b", "app": `x"y`, "route": "r", "__x": "1", "bad-name": "1"},
	})
	p.Handled("r.s.m", "request", "OK", 700*time.Millisecond)
	p.Gauge("gamesrv_sessions", "Sessions.", func() float64 { return 0 }, "zone", "own")
	text := scrape(t, p)
	for _, want := range []string{
		`gamesrv_request_duration_seconds_bucket{route="r.s.m",kind="request",app="x\"y",zone="b",le="0.5"} 0`,
		`gamesrv_request_duration_seconds_bucket{route="r.s.m",kind="request",app="x\"y",zone="b",le="1"} 1`,
		`gamesrv_request_duration_seconds_bucket{route="r.s.m",kind="request",app="x\"y",zone="b",le="+Inf"} 1`,
		`gamesrv_requests_total{route="r.s.m",kind="request",code="OK",app="x\"y",zone="b"} 1`,
		`gamesrv_sessions{zone="own",app="x\"y"} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("missing %s", want)
		}
	}
	if n := strings.Count(text, "_bucket{"); n != 3 {
		t.Errorf("%d buckets, want 3:\n%s", n, text)
	}
}

func TestServeHTTP(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	record(p)
	tests := []struct {
		method   string
		status   int
		wantBody bool
	}{
		{http.MethodGet, http.StatusOK, true},
		{http.MethodHead, http.StatusOK, false},
		{http.MethodPost, http.StatusMethodNotAllowed, false},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, httptest.NewRequest(tt.method, "/metrics", nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := rec.Body.String(); (got == scrape(t, p)) != tt.wantBody {
				t.Errorf("body %q", got)
			}
		})
	}
}

// TestConcurrent records from many goroutines while the test goroutine
// scrapes, and checks that nothing is lost. Run it with -race.
func TestConcurrent(t *testing.T) {
	p := metrics.NewPrometheus(metrics.PrometheusOptions{})
	const goroutines, calls = 16, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				route := fmt.Sprintf("r.s.m%d", i%7)
				p.Handled(route, "request", "OK", time.Duration(i)*time.Microsecond)
				p.Pushed(route, 2)
				p.ConnOpened("tcp")
				p.ConnClosed("tcp")
				p.LinkError(fmt.Sprint("peer-", g%3))
				p.Gauge("gamesrv_sessions", "Sessions.", func() float64 { return float64(g) }, "server", fmt.Sprint(g%4))
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for scrapes := 0; ; scrapes++ {
		select {
		case <-done:
			checkConcurrentTotals(t, parseExposition(t, scrape(t, p)), goroutines*calls)
			t.Logf("%d scrapes while recording", scrapes)
			return
		default:
			if text := scrape(t, p); text != "" {
				parseExposition(t, text).checkHistograms(t)
			}
		}
	}
}

func checkConcurrentTotals(t *testing.T, ex *exposition, total int) {
	t.Helper()
	sums := map[string]float64{}
	for _, s := range ex.samples {
		sums[s.name] += s.value
	}
	for name, want := range map[string]float64{
		"gamesrv_requests_total": float64(total), "gamesrv_request_duration_seconds_count": float64(total),
		"gamesrv_pushes_total": float64(total), "gamesrv_push_deliveries_total": float64(2 * total),
		"gamesrv_connections_opened_total": float64(total), "gamesrv_connections_closed_total": float64(total),
		"gamesrv_connections": 0, "gamesrv_link_errors_total": float64(total),
	} {
		if sums[name] != want {
			t.Errorf("%s sums to %v, want %v", name, sums[name], want)
		}
	}
}

func TestEmpty(t *testing.T) {
	if got := scrape(t, metrics.NewPrometheus(metrics.PrometheusOptions{})); got != "" {
		t.Fatalf("an empty registry writes %q", got)
	}
}

func TestTwoRegistries(t *testing.T) {
	a := metrics.NewPrometheus(metrics.PrometheusOptions{})
	b := metrics.NewPrometheus(metrics.PrometheusOptions{})
	a.ConnOpened("tcp")
	if got := scrape(t, b); got != "" {
		t.Fatalf("b sees a's values: %q", got)
	}
}
