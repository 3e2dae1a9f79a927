package admin_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/metrics"
	"github.com/gamesrv/gamesrv/runtime/server"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service is hand-written in the shape protoc-gen-gamesrv
// generates.
const (
	echoRoute = "test.echo.echo"
	sayRoute  = "test.echo.say"
	pushRoute = "onEcho"
)

// echoHandler answers echo with its input; "error" answers APP-1,
// "bind:<uid>" binds the session, "join:<group>" adds it to a group,
// "block" waits for release.
type echoHandler struct {
	srv     *server.Server
	said    chan string
	blocked chan struct{}
	release chan struct{}
}

func (h *echoHandler) echo(ctx context.Context, s gamesrv.Session, v string) (string, error) {
	verb, arg, _ := strings.Cut(v, ":")
	switch verb {
	case "error":
		return "", gamesrv.NewError("APP-1", "app failure")
	case "bind":
		return v, s.Bind(ctx, arg)
	case "join":
		return v, h.srv.Group(arg).Add(s)
	case "block":
		h.blocked <- struct{}{}
		<-h.release
	}
	return v, nil
}

var echoDesc = gamesrv.ServiceDesc{
	Name: "test.Echo", ServerType: "test",
	Routes: []gamesrv.Route{
		{
			Name: echoRoute, Method: "Echo", Kind: gamesrv.KindRequest,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(ctx context.Context, h any, s gamesrv.Session, req proto.Message) (proto.Message, error) {
				v, err := h.(*echoHandler).echo(ctx, s, req.(*wrapperspb.StringValue).GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(v), nil
			},
		},
		{
			Name: sayRoute, Method: "Say", Kind: gamesrv.KindNotify,
			NewRequest: func() proto.Message { return new(wrapperspb.StringValue) },
			Handle: func(_ context.Context, h any, _ gamesrv.Session, req proto.Message) (proto.Message, error) {
				h.(*echoHandler).said <- req.(*wrapperspb.StringValue).GetValue()
				return nil, nil
			},
		},
		{Name: pushRoute, Method: "OnEcho", Kind: gamesrv.KindPush, NewRequest: func() proto.Message { return new(wrapperspb.StringValue) }},
	},
}

// testServer is a running echo server with its metrics and admin listener.
type testServer struct {
	srv   *server.Server
	h     *echoHandler
	addr  string // tcp://...
	prom  *metrics.Prometheus
	admin *admin.Admin
	base  string // http://<admin addr>
}

// startServer starts an echo server on loopback and its admin listener;
// both stop when the test ends.
func startServer(t *testing.T, opts admin.Options) *testServer {
	t.Helper()
	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
	srv, err := server.New(server.Options{ServerID: "test-1", Logger: testkit.Logger(t), Metrics: prom})
	mustOK(t, err)
	h := &echoHandler{srv: srv, said: make(chan string, 16), blocked: make(chan struct{}, 16), release: make(chan struct{})}
	mustOK(t, srv.RegisterService(&echoDesc, h))
	tcpAddr, _ := testkit.Serve(t, srv)
	opts.Server, opts.Metrics, opts.Addr = srv, prom, "127.0.0.1:0"
	ts := &testServer{srv: srv, h: h, addr: tcpAddr, prom: prom}
	ts.admin, ts.base = startAdmin(t, opts)
	return ts
}

// startAdmin starts an admin listener and closes it when the test ends.
func startAdmin(t *testing.T, opts admin.Options) (*admin.Admin, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testkit.Logger(t)
	}
	a := admin.New(opts)
	mustOK(t, a.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		mustOK(t, a.Close(ctx))
	})
	return a, "http://" + a.Addr().String()
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// get fetches url over a connection of its own (no keep-alive, so the test
// leaves no idle connection behind).
func get(t testing.TB, url string) (int, string, http.Header) {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	mustOK(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	mustOK(t, err)
	return resp.StatusCode, string(body), resp.Header
}

// scrapeMetrics fetches /metrics and returns its samples by series, as
// written: `name{a="x",b="y"}` -> value.
func scrapeMetrics(t testing.TB, base string) map[string]float64 {
	t.Helper()
	status, body, hdr := get(t, base+"/metrics")
	if status != http.StatusOK || hdr.Get("Content-Type") != metrics.ContentType {
		t.Fatalf("/metrics: %d %q", status, hdr.Get("Content-Type"))
	}
	out := map[string]float64{}
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// checkSamples fails the test for every series whose value is not the
// wanted one.
func checkSamples(t testing.TB, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// awaitSample polls /metrics until series has value want.
func awaitSample(t testing.TB, base, series string, want float64) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, func() bool { return scrapeMetrics(t, base)[series] == want },
		series+" to be "+strconv.FormatFloat(want, 'g', -1, 64))
}

// dial connects a client and closes it when the test ends.
func dial(t testing.TB, addr string, opts client.Options) *client.Client {
	t.Helper()
	opts.Logger = testkit.Logger(t)
	c, err := client.Dial(context.Background(), addr, opts)
	mustOK(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// echo sends an echo request.
func echo(c *client.Client, v string) (string, error) {
	resp := new(wrapperspb.StringValue)
	err := c.Request(context.Background(), echoRoute, wrapperspb.String(v), resp)
	return resp.GetValue(), err
}

// checkGoroutines fails the test if goroutines started during it still
// run once it ended.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		testkit.Eventually(t, 10*time.Second, func() bool { return runtime.NumGoroutine() <= before }, "goroutines to end")
	})
}
