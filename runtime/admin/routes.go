package admin

import (
	"encoding/json"
	"net/http"
	"net/http/pprof"
)

// routes builds the admin's own ServeMux.
func (a *Admin) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /healthz", a.healthz)
	if a.opts.Metrics != nil {
		mux.Handle("GET /metrics", a.opts.Metrics)
	}
	mux.HandleFunc("GET /debug/gamesrv", a.page)
	mux.HandleFunc("GET /debug/gamesrv.json", a.json)
	if a.opts.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/cmdline", http.NotFound) // command lines carry secrets
	}
	return mux
}

// healthz answers 200 while the server is ready, 503 before it started,
// from the moment its shutdown began, and while its cluster node (when
// given) is still alone, joining its seeds.
func (a *Admin) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if a.opts.Node != nil && !a.opts.Node.Ready() && a.opts.Server != nil && a.opts.Server.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: alone, joining the cluster's seeds\n"))
		return
	}
	if a.opts.Server == nil || !a.opts.Server.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// json answers the debug snapshot as JSON.
func (a *Admin) json(w http.ResponseWriter, _ *http.Request) {
	if a.opts.Server == nil {
		http.Error(w, ErrNoServer.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(a.Snapshot())
}

// page answers the debug page.
func (a *Admin) page(w http.ResponseWriter, _ *http.Request) {
	if a.opts.Server == nil {
		http.Error(w, ErrNoServer.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := debugPage.Execute(w, a.Snapshot()); err != nil {
		a.log.Warn("admin: debug page", "err", err)
	}
}

// index links the other routes.
func (a *Admin) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	links := indexLinks{Metrics: a.opts.Metrics != nil, Pprof: a.opts.Pprof}
	if err := indexPage.Execute(w, links); err != nil {
		a.log.Warn("admin: index page", "err", err)
	}
}

// indexLinks says which optional routes the index links.
type indexLinks struct{ Metrics, Pprof bool }
