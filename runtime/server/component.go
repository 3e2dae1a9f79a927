package server

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Component is a part of the application with a lifecycle: a world
// simulation, a database pool, a match-maker. Components registered with
// [Server.RegisterComponent] are started by Start in registration order and
// stopped by Shutdown in reverse order.
//
//   - Init runs before the server joins its cluster or accepts clients.
//   - AfterInit runs once every component's Init succeeded.
//   - BeforeShutdown runs when shutdown begins, before the queued requests
//     are drained.
//   - Shutdown runs at the end, after the last session is gone and the
//     listeners are closed.
//
// Init and AfterInit get a context without a deadline. BeforeShutdown and
// Shutdown get Shutdown's context; when Start fails (a hook, the cluster
// or a listener), the components already initialized are shut down with a
// deadline of Options.ShutdownTimeout. A hook that overruns its deadline
// is abandoned and the next one runs.
//
// Embed [BaseComponent] to implement only the hooks you need.
type Component interface {
	Init(ctx context.Context) error
	AfterInit(ctx context.Context) error
	BeforeShutdown(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// BaseComponent implements every Component hook as a no-op. Embed it.
type BaseComponent struct{}

// Init does nothing.
func (BaseComponent) Init(context.Context) error { return nil }

// AfterInit does nothing.
func (BaseComponent) AfterInit(context.Context) error { return nil }

// BeforeShutdown does nothing.
func (BaseComponent) BeforeShutdown(context.Context) error { return nil }

// Shutdown does nothing.
func (BaseComponent) Shutdown(context.Context) error { return nil }

// namedComponent is a registered component.
type namedComponent struct {
	name string
	c    Component
}

// RegisterComponent adds a component; it must be called before Start.
func (srv *Server) RegisterComponent(name string, c Component) error {
	if srv.state.Load() != srvNew {
		return ErrServerStarted
	}
	if c == nil {
		return errors.New("gamesrv: RegisterComponent with a nil component")
	}
	srv.components = append(srv.components, namedComponent{name: name, c: c})
	return nil
}

// initComponents runs Init then AfterInit of every component in order,
// with ctx (no deadline: a slow start is the component's business). On a
// failure, the components already initialized are shut down in reverse
// order within Options.ShutdownTimeout, and the error names the component.
func (srv *Server) initComponents(ctx context.Context) error {
	for i, nc := range srv.components {
		if err := srv.runHook(ctx, nc, "Init", nc.c.Init); err != nil {
			srv.undoInit(srv.components[:i])
			return err
		}
	}
	for _, nc := range srv.components {
		if err := srv.runHook(ctx, nc, "AfterInit", nc.c.AfterInit); err != nil {
			srv.undoInit(srv.components)
			return err
		}
	}
	return nil
}

// undoInit shuts down cs, the components initialized before a start
// failed, within Options.ShutdownTimeout: a hook that overruns it is
// abandoned, so Start still returns. Failures are logged by runHook.
func (srv *Server) undoInit(cs []namedComponent) {
	ctx, cancel := srv.startCleanupContext()
	defer cancel()
	_ = srv.shutdownComponents(ctx, cs)
}

// beforeShutdown runs BeforeShutdown in reverse order and returns the
// errors, joined; every component is called.
func (srv *Server) beforeShutdown(ctx context.Context) error {
	var errs []error
	for i := len(srv.components) - 1; i >= 0; i-- {
		nc := srv.components[i]
		errs = append(errs, srv.runHook(ctx, nc, "BeforeShutdown", nc.c.BeforeShutdown))
	}
	return errors.Join(errs...)
}

// shutdownComponents runs Shutdown of cs in reverse order and returns the
// errors, joined.
func (srv *Server) shutdownComponents(ctx context.Context, cs []namedComponent) error {
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		errs = append(errs, srv.runHook(ctx, cs[i], "Shutdown", cs[i].c.Shutdown))
	}
	return errors.Join(errs...)
}

// hookGrace is how long a hook started after the deadline may still take:
// a component stopped late still gets a chance to run a quick Shutdown.
const hookGrace = 50 * time.Millisecond

// awaitHook waits for a hook until ctx ends (plus hookGrace if it had
// already ended).
func awaitHook(ctx context.Context, done <-chan error) error {
	grace := time.NewTimer(hookGrace)
	defer grace.Stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return err
	case <-grace.C:
		return fmt.Errorf("%w (still running)", ctx.Err())
	}
}

// runHook runs one hook, recovering a panic and giving up (with an error)
// when ctx ends first: a hook that ignores the deadline cannot hold the
// server. Errors are logged and returned with the component's name.
func (srv *Server) runHook(ctx context.Context, nc namedComponent, hook string, f func(context.Context) error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- f(ctx)
	}()
	err := awaitHook(ctx, done)
	if err != nil {
		err = fmt.Errorf("gamesrv: component %s: %s: %w", nc.name, hook, err)
		srv.log.Error("component hook failed", "component", nc.name, "hook", hook, "err", err)
	}
	return err
}
