package server_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/server"
	"github.com/gamesrv/gamesrv/runtime/transport"
)

// recorder is a component that logs its hooks into a shared journal.
type recorder struct {
	name    string
	journal *journal
	failOn  string        // hook that returns an error
	blockOn string        // hook that blocks until ctx ends... or forever
	release chan struct{} // unblocks blockOn
}

type journal struct {
	mu    sync.Mutex
	lines []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.lines = append(j.lines, s)
	j.mu.Unlock()
}

func (j *journal) String() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return strings.Join(j.lines, " ")
}

func (r *recorder) hook(name string) error {
	r.journal.add(r.name + "." + name)
	if r.blockOn == name {
		<-r.release
	}
	if r.failOn == name {
		return errors.New("boom")
	}
	return nil
}

func (r *recorder) Init(context.Context) error           { return r.hook("Init") }
func (r *recorder) AfterInit(context.Context) error      { return r.hook("AfterInit") }
func (r *recorder) BeforeShutdown(context.Context) error { return r.hook("BeforeShutdown") }
func (r *recorder) Shutdown(context.Context) error       { return r.hook("Shutdown") }

func newRecorders(j *journal, names ...string) []*recorder {
	var rs []*recorder
	for _, n := range names {
		rs = append(rs, &recorder{name: n, journal: j, release: make(chan struct{})})
	}
	return rs
}

func register(t *testing.T, srv *server.Server, rs []*recorder) {
	for _, r := range rs {
		if err := srv.RegisterComponent(r.name, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLifecycleOrder(t *testing.T) {
	j := &journal{}
	srv, _ := server.New(server.Options{Logger: quietLogger(t)})
	register(t, srv, newRecorders(j, "db", "world", "matchmaker"))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "db.Init world.Init matchmaker.Init db.AfterInit world.AfterInit matchmaker.AfterInit " +
		"matchmaker.BeforeShutdown world.BeforeShutdown db.BeforeShutdown " +
		"matchmaker.Shutdown world.Shutdown db.Shutdown"
	if got := j.String(); got != want {
		t.Errorf("hooks ran as\n %s\nwant\n %s", got, want)
	}
}

func TestLifecycleStartFailure(t *testing.T) {
	tests := []struct {
		name     string
		failOn   string // hook of b that fails
		listener bool   // or a listener fails to start
		wantErr  string
		want     string // the hooks that ran, in order
	}{
		{
			name: "Init", failOn: "Init", wantErr: "component b: Init: boom",
			want: "a.Init b.Init a.Shutdown", // only what was initialized is shut down
		},
		{
			name: "AfterInit", failOn: "AfterInit", wantErr: "component b: AfterInit: boom",
			want: "a.Init b.Init c.Init a.AfterInit b.AfterInit c.Shutdown b.Shutdown a.Shutdown",
		},
		{
			name: "listener", listener: true, wantErr: errListener.Error(),
			want: "a.Init b.Init c.Init a.AfterInit b.AfterInit c.AfterInit c.Shutdown b.Shutdown a.Shutdown",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &journal{}
			rs := newRecorders(j, "a", "b", "c")
			rs[1].failOn = tt.failOn
			srv, _ := server.New(server.Options{Logger: quietLogger(t)})
			register(t, srv, rs)
			var ls []transport.Listener
			if tt.listener {
				ls = append(ls, failingListener{})
			}
			err := recv(t, startAsync(srv, ls...), "Start to return")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start: %v, want %q", err, tt.wantErr)
			}
			if got := j.String(); got != tt.want {
				t.Errorf("hooks ran as\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestLifecycleStartFailureCleanupDeadline(t *testing.T) {
	// A Shutdown hook that ignores its context must not hold a failed
	// Start beyond ShutdownTimeout (plus the short grace of a late hook).
	tests := []struct {
		name     string
		failOn   string
		listener bool
	}{
		{name: "Init fails", failOn: "Init"},
		{name: "AfterInit fails", failOn: "AfterInit"},
		{name: "listener fails", listener: true},
	}
	const deadline = 200 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &journal{}
			rs := newRecorders(j, "a", "b")
			rs[0].blockOn = "Shutdown"
			defer close(rs[0].release)
			rs[1].failOn = tt.failOn
			srv, _ := server.New(server.Options{Logger: quietLogger(t), ShutdownTimeout: deadline})
			register(t, srv, rs)
			var ls []transport.Listener
			if tt.listener {
				ls = append(ls, failingListener{})
			}
			start := time.Now()
			err := recv(t, startAsync(srv, ls...), "Start to return despite the blocked Shutdown hook")
			if err == nil {
				t.Fatal("Start succeeded")
			}
			if d := time.Since(start); d > deadline+time.Second {
				t.Errorf("a blocked Shutdown hook held the failed Start for %v (ShutdownTimeout %v)", d, deadline)
			}
			if !strings.Contains(j.String(), "a.Shutdown") {
				t.Errorf("hooks ran as %q: a was not shut down", j)
			}
		})
	}
}

// startAsync runs srv.Start on a goroutine and returns its result.
func startAsync(srv *server.Server, ls ...transport.Listener) <-chan error {
	done := make(chan error, 1)
	go func() { done <- srv.Start(ls...) }()
	return done
}

var errListener = errors.New("listener: cannot bind")

// failingListener is a transport.Listener whose Start fails.
type failingListener struct{}

func (failingListener) Network() string                 { return "fail" }
func (failingListener) Start(transport.Config) error    { return errListener }
func (failingListener) Addr() net.Addr                  { return nil }
func (failingListener) Close(ctx context.Context) error { return nil }

func TestLifecycleShutdownErrorsAndDeadline(t *testing.T) {
	j := &journal{}
	rs := newRecorders(j, "a", "b", "c")
	rs[0].failOn = "Shutdown"
	rs[2].blockOn = "Shutdown" // ignores its context
	defer close(rs[2].release)
	srv, _ := server.New(server.Options{Logger: quietLogger(t)})
	register(t, srv, rs)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := srv.Shutdown(ctx)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("a blocked component held the shutdown for %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), "component a: Shutdown: boom") || !strings.Contains(err.Error(), "component c: Shutdown") {
		t.Errorf("Shutdown error %v does not report both components", err)
	}
}
