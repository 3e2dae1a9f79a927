package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/admin"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
)

func TestHealthz(t *testing.T) {
	ts := startServer(t, admin.Options{})
	if status, body, _ := get(t, ts.base+"/healthz"); status != http.StatusOK || body != "ok\n" {
		t.Fatalf("running server: %d %q", status, body)
	}
	c := dial(t, ts.addr, client.Options{})
	answered := make(chan error, 1)
	go func() { _, err := echo(c, "block"); answered <- err }()
	receive(t, ts.h.blocked, "the blocking request")

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- ts.srv.Shutdown(ctx)
	}()
	testkit.Eventually(t, 10*time.Second, func() bool {
		status, _, _ := get(t, ts.base+"/healthz")
		return status == http.StatusServiceUnavailable
	}, "/healthz to answer 503 while the server drains")
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the blocked request ended", err)
	default:
	}
	close(ts.h.release)
	mustOK(t, receive(t, answered, "the blocked request's answer"))
	mustOK(t, receive(t, shut, "Shutdown"))
	if status, body, _ := get(t, ts.base+"/healthz"); status != http.StatusServiceUnavailable || body != "not ready\n" {
		t.Fatalf("stopped server: %d %q", status, body)
	}
}

func TestHealthzBeforeStart(t *testing.T) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	rec := httptest.NewRecorder()
	admin.New(admin.Options{Server: srv}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("unstarted server: %d", rec.Code)
	}
}

func TestDebugPage(t *testing.T) {
	ts := startServer(t, admin.Options{})
	const uid = `<b>ann</b>&"`
	c := dial(t, ts.addr, client.Options{})
	for _, v := range []string{"bind:" + uid, "join:lobby<1>"} {
		_, err := echo(c, v)
		mustOK(t, err)
	}
	status, page, hdr := get(t, ts.base+"/debug/gamesrv")
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("/debug/gamesrv: %d %s", status, hdr.Get("Content-Type"))
	}
	for _, want := range []string{
		template.HTMLEscapeString(uid), template.HTMLEscapeString("lobby<1>"), "<code>test.echo.echo</code>",
		"<code>gamesrv.v1.DescribeRequest</code>", "test-1", "tcp",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "<b>ann") {
		t.Error("the uid is not escaped")
	}
	checkDebugJSON(t, ts.base, uid)
}

func checkDebugJSON(t *testing.T, base, uid string) {
	t.Helper()
	status, body, hdr := get(t, base+"/debug/gamesrv.json")
	if status != http.StatusOK || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("/debug/gamesrv.json: %d %s", status, hdr.Get("Content-Type"))
	}
	var snap admin.Snapshot
	mustOK(t, json.Unmarshal([]byte(body), &snap))
	if len(snap.Sessions) != 1 || snap.Sessions[0].UID != uid || snap.Sessions[0].Network != "tcp" || !snap.Sessions[0].Working {
		t.Errorf("sessions %+v", snap.Sessions)
	}
	if len(snap.Groups) != 1 || snap.Groups[0] != (admin.GroupInfo{Name: "lobby<1>", Size: 1}) || snap.GroupsTotal != 1 {
		t.Errorf("groups %+v", snap.Groups)
	}
	s := snap.Server
	if s.ID != "test-1" || s.Type != "test" || !s.Ready || !s.Frontend || s.Sessions != 1 || s.Groups != 1 || s.UptimeSeconds <= 0 {
		t.Errorf("server %+v", s)
	}
	if len(snap.Members) != 0 || snap.Members == nil {
		t.Errorf("members %v without a cluster", snap.Members)
	}
	var routes []string
	for _, r := range snap.Routes {
		routes = append(routes, r.Route+" "+r.Kind)
	}
	if got := strings.Join(routes, ", "); got != "gamesrv.describe request, onEcho push, test.echo.echo request, test.echo.say notify" {
		t.Errorf("routes: %s", got)
	}
}

func TestRoutes(t *testing.T) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	metricsHandler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("m 1\n")) })
	tests := []struct {
		name   string
		opts   admin.Options
		path   string
		status int
		want   string
	}{
		{"metrics", admin.Options{Metrics: metricsHandler}, "/metrics", 200, "m 1\n"},
		{"no metrics", admin.Options{}, "/metrics", 404, ""},
		{"pprof index", admin.Options{Pprof: true}, "/debug/pprof/", 200, "goroutine"},
		{"pprof profile", admin.Options{Pprof: true}, "/debug/pprof/goroutine?debug=1", 200, "goroutine profile"},
		{"pprof cmdline", admin.Options{Pprof: true}, "/debug/pprof/cmdline", 404, ""},
		{"no pprof", admin.Options{}, "/debug/pprof/", 404, ""},
		{"index", admin.Options{Pprof: true}, "/", 200, `href="/debug/pprof/"`},
		{"index without pprof", admin.Options{}, "/", 200, `href="/debug/gamesrv"`},
		{"debug page before start", admin.Options{}, "/debug/gamesrv", 200, "none: the server has not started"},
		{"debug json before start", admin.Options{}, "/debug/gamesrv.json", 200, `"routes": []`},
		{"unknown", admin.Options{}, "/nope", 404, ""},
		{"post", admin.Options{}, "POST /healthz", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Server = srv
			method, path, ok := strings.Cut(tt.path, " ")
			if !ok {
				method, path = "GET", tt.path
			}
			rec := httptest.NewRecorder()
			admin.New(tt.opts).Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
				t.Fatalf("%s %s: %d, want %d with %q:\n%.300s", method, path, rec.Code, tt.status, tt.want, rec.Body.String())
			}
		})
	}
	rec := httptest.NewRecorder()
	admin.New(admin.Options{Server: srv}).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if strings.Contains(rec.Body.String(), "pprof") || strings.Contains(rec.Body.String(), "/metrics") {
		t.Errorf("the index links routes that are off:\n%s", rec.Body.String())
	}
}

func TestStartAndClose(t *testing.T) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	ctx := context.Background()
	if err := admin.New(admin.Options{}).Start(); !errors.Is(err, admin.ErrNoServer) {
		t.Errorf("Start without a server: %v", err)
	}
	if err := admin.New(admin.Options{Server: srv, Addr: "256.0.0.1:1"}).Start(); err == nil {
		t.Error("Start on a bad address succeeded")
	}
	a := admin.New(admin.Options{Server: srv, Logger: testkit.Logger(t)})
	if a.Addr() != nil {
		t.Errorf("Addr before Start: %v", a.Addr())
	}
	mustOK(t, a.Start())
	if err := a.Start(); !errors.Is(err, admin.ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	mustOK(t, a.Close(ctx))
	mustOK(t, a.Close(ctx))
	if err := a.Start(); !errors.Is(err, admin.ErrClosed) {
		t.Errorf("Start after Close: %v", err)
	}
	mustOK(t, admin.New(admin.Options{Server: srv}).Close(ctx))
}

// TestCloseLeavesNothing serves requests on kept-alive connections, then
// checks that Close ends every goroutine and frees the port.
func TestCloseLeavesNothing(t *testing.T) {
	srv, err := server.New(server.Options{Logger: testkit.Logger(t)})
	mustOK(t, err)
	checkGoroutines(t)
	a := admin.New(admin.Options{Server: srv, Pprof: true, Logger: testkit.Logger(t)})
	mustOK(t, a.Start())
	addr := a.Addr().String()
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for _, path := range []string{"/healthz", "/debug/gamesrv", "/debug/pprof/heap"} {
		resp, err := hc.Get("http://" + addr + path)
		mustOK(t, err)
		_ = resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	mustOK(t, a.Close(ctx))
	tr.CloseIdleConnections()
	if _, err := hc.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the listener still answers after Close")
	}
}
