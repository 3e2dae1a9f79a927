package server_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/runtime/server"
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

func TestLifecycleInitFailure(t *testing.T) {
	j := &journal{}
	rs := newRecorders(j, "a", "b", "c")
	rs[1].failOn = "Init"
	srv, _ := server.New(server.Options{Logger: quietLogger(t)})
	register(t, srv, rs)
	err := srv.Start()
	if err == nil || !strings.Contains(err.Error(), "component b: Init: boom") {
		t.Fatalf("Start: %v", err)
	}
	if got := j.String(); got != "a.Init b.Init a.Shutdown" {
		t.Errorf("hooks ran as %q: only what was initialized is shut down", got)
	}
}

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
