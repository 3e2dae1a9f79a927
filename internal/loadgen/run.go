package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Run opens cfg.Conns connections, sets each up (Init steps, warm-up),
// then measures cfg.Route until every connection sent cfg.Requests or
// cfg.Duration passed, closes every connection and reports. It returns an
// error only when nothing could run: an invalid Config, an unreadable
// ServerPID (also if the process vanished during the run), or not a single
// connection set up. Failed requests, dials and Init steps are counted in
// [Report.Errors]. Cancelling ctx ends the run early; the report covers
// what was measured.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, start: make(chan struct{}), conns: make([]*conn, cfg.Conns)}
	if r.before, err = r.sample(); err != nil {
		return nil, err
	}
	defer r.closeAll()
	var wg sync.WaitGroup
	r.launch(ctx, &wg)
	r.ready.Wait()
	if r.measured() == 0 {
		close(r.start)
		wg.Wait()
		return nil, r.noConnection()
	}
	ph, err := r.measure(ctx, &wg)
	if err != nil {
		return nil, err
	}
	return r.report(ph), nil
}

// run is the state of one Run.
type run struct {
	cfg    Config
	conns  []*conn
	before sample         // the servers before the first dial
	ready  sync.WaitGroup // connections set up, or failed to
	start  chan struct{}  // closed when the measured phase begins
	stop   atomic.Bool    // set when the measured phase must end
}

// phase is what the measured phase took.
type phase struct {
	elapsed       time.Duration
	before, after sample
}

// sample is a reading of the measured processes.
type sample struct {
	server procSample      // Config.ServerPID
	extra  []time.Duration // CPU time of Config.ExtraPIDs
}

// sample reads the processes to measure, if any.
func (r *run) sample() (sample, error) {
	var s sample
	var err error
	if r.cfg.ServerPID > 0 {
		if s.server, err = sampleProc(r.cfg.ServerPID); err != nil {
			return s, err
		}
	}
	s.extra, err = sampleCPUs(r.cfg.ExtraPIDs)
	return s, err
}

// launch starts one goroutine per connection, dials spaced by DialRate.
func (r *run) launch(ctx context.Context, wg *sync.WaitGroup) {
	begin := time.Now()
	r.ready.Add(len(r.conns))
	for i := range r.conns {
		k := &conn{index: i}
		r.conns[i] = k
		at := begin
		if r.cfg.DialRate > 0 {
			at = begin.Add(time.Duration(i) * time.Second / time.Duration(r.cfg.DialRate))
		}
		wg.Go(func() { k.run(ctx, r, at) })
	}
}

// measure runs the measured phase: it starts every ready connection at
// once and waits for all of them (with notifies, until their barriers are
// answered).
func (r *run) measure(ctx context.Context, wg *sync.WaitGroup) (phase, error) {
	before, err := r.sample()
	if err != nil || ctx.Err() != nil {
		r.stop.Store(true) // the connections leave at once
	}
	stopOnCancel := context.AfterFunc(ctx, func() { r.stop.Store(true) })
	defer stopOnCancel()
	if r.cfg.Requests == 0 {
		t := time.AfterFunc(r.cfg.Duration, func() { r.stop.Store(true) })
		defer t.Stop()
	}
	begin := time.Now()
	close(r.start)
	wg.Wait()
	ph := phase{elapsed: time.Since(begin), before: before}
	if err != nil {
		return ph, err
	}
	ph.after, err = r.sample()
	return ph, err
}

// measured counts the connections that take part in the measured phase.
func (r *run) measured() int {
	n := 0
	for _, k := range r.conns {
		if k.ready {
			n++
		}
	}
	return n
}

// noConnection is Run's error when no connection could be set up.
func (r *run) noConnection() error {
	for _, k := range r.conns {
		if k.err != nil {
			return fmt.Errorf("loadgen: no connection to %s could be set up (%d tried): %w", r.cfg.Addr, len(r.conns), k.err)
		}
	}
	return fmt.Errorf("loadgen: no connection to %s could be set up", r.cfg.Addr)
}

// closeAll closes every connection still open, concurrently.
func (r *run) closeAll() {
	var wg sync.WaitGroup
	for _, k := range r.conns {
		if k != nil && k.c != nil {
			wg.Go(func() { _ = k.c.Close() })
		}
	}
	wg.Wait()
}
