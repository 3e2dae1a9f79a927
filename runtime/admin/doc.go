// Package admin serves a gamesrv server's admin HTTP listener: Prometheus
// metrics, a readiness probe, a debug page and, optionally, the Go
// profiler.
//
//	prom := metrics.NewPrometheus(metrics.PrometheusOptions{})
//	srv, _ := server.New(server.Options{Metrics: prom})
//	// ... register services, srv.Start(listeners...)
//	adm := admin.New(admin.Options{Addr: "127.0.0.1:9090", Server: srv, Metrics: prom})
//	if err := adm.Start(); err != nil { ... }
//	defer adm.Close(ctx)
//
// Routes:
//
//	GET /                      links to the routes below
//	GET /healthz               200 while the server is Ready (and its Node joined), 503 otherwise (readiness probe)
//	GET /metrics               Options.Metrics (the Prometheus text format); 404 without it
//	GET /debug/gamesrv         HTML: server, stats, groups, routes, cluster members, sessions
//	GET /debug/gamesrv.json    the same as JSON ([Snapshot])
//	    /debug/pprof/          net/http/pprof, with Options.Pprof only
//
// The debug page lists at most [MaxSessions] sessions and [MaxGroups]
// groups, the first by id and by name.
//
// # Security
//
// The admin listener has no authentication: the debug page shows user ids
// and client addresses, and the profiler reveals the program's internals
// and costs CPU while it runs. Bind it to localhost or to a private
// network that only operators and the Prometheus scraper reach, never to
// the players' interface. The profiler is off unless Options.Pprof is set,
// and /debug/pprof/cmdline is never served: command lines carry secrets
// such as a cluster's -link-secret.
//
// Every handler is registered on the Admin's own ServeMux, never on
// http.DefaultServeMux; note that importing this package imports
// net/http/pprof, whose init registers its handlers on
// http.DefaultServeMux: a program that serves DefaultServeMux publicly
// exposes them there.
package admin
