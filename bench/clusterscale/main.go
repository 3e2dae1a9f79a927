// Command clusterscale measures a gamesrv cluster of N server processes
// on this host (make cluster-scale): convergence, false leave events
// (idle, then with the CPU saturated), kill-to-gone and graceful-leave
// times, CPU and RSS per idle server, links per server, then a churn run
// (a room server SIGKILLed every few seconds and restarted under its id
// while callers make round-robin calls) with the calls' outcomes by code.
//
//	go build -o .bin/clusternode ./bench/cmd/clusternode
//	go run ./bench/clusterscale -node .bin/clusternode -n 50 -profile fast -runs 3
//
// Each server is a bench/cmd/clusternode process; the first starts the
// cluster, the others join it. Results: a table on stdout and JSON
// (-out, default bench/results/cluster-scale.json).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/internal/loadgen/procstat"
	"github.com/gamesrv/gamesrv/runtime/client"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// echoRoute is the client route of clusternode's rooms.
const echoRoute = "room.room.echo"

type config struct {
	node, profile, out string
	n, runs, callers   int
	idle, burn, churn  time.Duration
	killEvery          time.Duration
	rate               int
	kills              int
	load               time.Duration
	loadConns          int
	deadline           time.Duration
	convergeTimeout    time.Duration
	verbose            bool
	settle             time.Duration
	cpuprofile         string
}

func main() {
	var c config
	flag.StringVar(&c.node, "node", ".bin/clusternode", "the clusternode binary")
	flag.StringVar(&c.profile, "profile", "fast", "gossip profile: fast or lan")
	flag.StringVar(&c.out, "out", "bench/results/cluster-scale.json", "JSON results file (empty: none)")
	flag.IntVar(&c.n, "n", 50, "servers (processes)")
	flag.IntVar(&c.runs, "runs", 3, "runs (a fresh cluster each)")
	flag.IntVar(&c.callers, "callers", 3, "servers of type caller (the others are rooms)")
	flag.DurationVar(&c.idle, "idle", 60*time.Second, "idle window (false leaves, CPU, RSS)")
	flag.DurationVar(&c.burn, "burn", 20*time.Second, "window with every core saturated by busy loops (false leaves); 0 skips it")
	flag.DurationVar(&c.churn, "churn", 30*time.Second, "churn run; 0 skips it")
	flag.DurationVar(&c.killEvery, "kill-every", 3*time.Second, "churn: SIGKILL a room and restart it this often")
	flag.IntVar(&c.kills, "kills", 3, "rooms SIGKILLed one after another (each waited until gone from every view) for kill-to-gone")
	flag.DurationVar(&c.load, "load", 20*time.Second, "window with client connections loading the frontend (caller-000) with room.room.echo requests it forwards to the rooms (false leaves); 0 skips it")
	flag.IntVar(&c.loadConns, "load-conns", 50, "client connections of the load window, each sending a request as soon as the last is answered")
	flag.IntVar(&c.rate, "rate", 50, "churn: calls per second per caller")
	flag.DurationVar(&c.deadline, "deadline", time.Second, "churn: deadline of each call")
	flag.DurationVar(&c.convergeTimeout, "converge-timeout", 60*time.Second, "give up waiting for convergence after this")
	flag.DurationVar(&c.settle, "settle", 5*time.Second, "wait after convergence before the idle window")
	flag.BoolVar(&c.verbose, "v", false, "pass the servers' warnings and errors to stderr")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of every server's idle window into this directory (<run>-<id>.pprof; go tool pprof merges them)")
	flag.Parse()
	need := max(c.kills, 1) + 1 // the kills and a graceful leave
	if c.churn > 0 {
		need++ // a room to churn
	}
	if rooms := c.n - c.callers; c.callers < 1 || rooms < need {
		fmt.Fprintf(os.Stderr, "clusterscale: %d servers with %d callers leave %d rooms: want at least one caller and %d rooms (the kills, a graceful leave, one to churn)\n",
			c.n, c.callers, rooms, need)
		os.Exit(2)
	}
	var results []runResult
	for i := range c.runs {
		r, err := oneRun(c, i)
		if err != nil {
			r.Errors = append(r.Errors, err.Error()) // in the JSON too: row 8 prints them
			fmt.Fprintln(os.Stderr, "clusterscale: run", i+1, err)
		}
		r.print()
		results = append(results, r)
	}
	sum := summarize(c, results)
	sum.print()
	if c.out != "" {
		b, _ := json.MarshalIndent(sum, "", "  ")
		if err := os.WriteFile(c.out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "clusterscale:", err)
			os.Exit(1)
		}
		fmt.Println("wrote", c.out)
	}
}

// event is a line of clusternode output.
type event struct {
	Ev       string         `json:"ev"`
	T        int64          `json:"t"`
	ID       string         `json:"id"`
	Boot     string         `json:"boot"`
	Gossip   string         `json:"gossip"`
	Listen   string         `json:"listen"`
	Member   string         `json:"member"`
	MBoot    string         `json:"mboot"`
	Graceful bool           `json:"graceful"`
	Members  int            `json:"members"`
	Links    int            `json:"links"`
	Ready    bool           `json:"ready"`
	Calls    map[string]int `json:"calls"`
	Late     int            `json:"late"`
	MaxMs    float64        `json:"max_ms"`
	GCs      uint64         `json:"gcs"`
	Gs       int            `json:"goroutines"`
	Err      string         `json:"err"`
}

// proc is one running clusternode.
type proc struct {
	id, typ  string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	boot     string
	gossip   string
	listen   string // client listener, tcp://host:port, or ""
	ready    chan struct{}
	stats    chan event
	profiled chan struct{}
	dead     bool // SIGKILLed or stopped by the harness
}

// cluster is the harness's view of a run.
type cluster struct {
	c     config
	mu    sync.Mutex
	procs map[string]*proc
	view  map[string]map[string]string // observer id -> member id -> boot
	// expectedGone: runs (id/boot) the harness killed or stopped, with when.
	expectedGone map[string]int64
	falseLeaves  []falseLeave
	start        time.Time                   // the spawn of the first server
	leaves       map[string]map[string]int64 // member run -> observer id -> leave time
}

func runKey(id, boot string) string { return id + "/" + boot }

func (cl *cluster) spawn(id, typ string, seeds string, extra ...string) (*proc, error) {
	args := append([]string{"-id", id, "-type", typ, "-profile", cl.c.profile}, extra...)
	if seeds != "" {
		args = append(args, "-seeds", seeds)
	}
	cmd := exec.Command(cl.c.node, args...)
	if cl.c.verbose {
		cmd.Stderr = os.Stderr
		args = append(args, "-log", "warn")
		cmd.Args = append([]string{cl.c.node}, args...)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{id: id, typ: typ, cmd: cmd, stdin: stdin, ready: make(chan struct{}), stats: make(chan event, 4), profiled: make(chan struct{}, 1)}
	cl.mu.Lock()
	cl.procs[id] = p
	cl.view[id] = map[string]string{}
	cl.mu.Unlock()
	go cl.read(p, stdout)
	return p, nil
}

func (cl *cluster) read(p *proc, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch e.Ev {
		case "ready":
			p.boot, p.gossip, p.listen = e.Boot, e.Gossip, e.Listen
			close(p.ready)
		case "error":
			fmt.Fprintln(os.Stderr, "clusterscale:", p.id, e.Err)
		case "stats":
			p.stats <- e
		case "profiled":
			p.profiled <- struct{}{}
		case "join":
			cl.mu.Lock()
			if cl.procs[p.id] == p {
				cl.view[p.id][e.Member] = e.MBoot
			}
			cl.mu.Unlock()
		case "leave":
			cl.mu.Lock()
			if cl.procs[p.id] == p {
				if cl.view[p.id][e.Member] == e.MBoot {
					delete(cl.view[p.id], e.Member)
				}
				k := runKey(e.Member, e.MBoot)
				if cl.leaves[k] == nil {
					cl.leaves[k] = map[string]int64{}
				}
				cl.leaves[k][p.id] = e.T
				if _, ok := cl.expectedGone[k]; !ok && !e.Graceful {
					cl.falseLeaves = append(cl.falseLeaves, falseLeave{observer: p.id, member: e.Member, at: time.Unix(0, e.T)})
				}
			}
			cl.mu.Unlock()
		}
	}
}

// converged reports whether every live process sees exactly the live runs.
func (cl *cluster) converged() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	live := map[string]string{}
	for id, p := range cl.procs {
		if !p.dead && p.boot != "" {
			live[id] = p.boot
		}
	}
	if len(live) != len(cl.procs) {
		return false
	}
	for id := range live {
		v := cl.view[id]
		if len(v) != len(live) {
			return false
		}
		for m, b := range live {
			if v[m] != b {
				return false
			}
		}
	}
	return true
}

func (cl *cluster) waitConverged(timeout time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < timeout {
		if cl.converged() {
			return time.Since(start), true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start), false
}

// falseLeave is a leave event, at observer, about a live member.
type falseLeave struct {
	observer, member string
	at               time.Time
}

// falseLeaveSummary groups the false leaves by member: how many observers
// declared it dead, from when to when (seconds since the first spawn).
// cl.mu is held.
func (cl *cluster) falseLeaveSummary() []string {
	type span struct {
		n         int
		first, to time.Time
	}
	by := map[string]*span{}
	for _, f := range cl.falseLeaves {
		s := by[f.member]
		if s == nil {
			s = &span{first: f.at, to: f.at}
			by[f.member] = s
		}
		s.n++
		if f.at.Before(s.first) {
			s.first = f.at
		}
		if f.at.After(s.to) {
			s.to = f.at
		}
	}
	var out []string
	for m, s := range by {
		out = append(out, fmt.Sprintf("%s: %d events, %.1f–%.1f s after the start", m, s.n, s.first.Sub(cl.start).Seconds(), s.to.Sub(cl.start).Seconds()))
	}
	slices.Sort(out)
	return out
}

func (cl *cluster) falseCount() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return len(cl.falseLeaves)
}

// goneAfter waits until every live observer reported the run's leave and
// returns the time from at to the last report.
func (cl *cluster) goneAfter(k string, at int64, timeout time.Duration) (float64, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		cl.mu.Lock()
		last, all := int64(0), true
		for id, p := range cl.procs {
			if p.dead || runKey(p.id, p.boot) == k {
				continue
			}
			t, ok := cl.leaves[k][id]
			if !ok || t < at {
				all = false
				break
			}
			last = max(last, t)
		}
		cl.mu.Unlock()
		if all {
			return float64(last-at) / 1e6, true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, false
}

func (cl *cluster) kill(p *proc, sig syscall.Signal) int64 {
	cl.mu.Lock()
	p.dead = true
	now := time.Now().UnixNano()
	cl.expectedGone[runKey(p.id, p.boot)] = now
	cl.mu.Unlock()
	_ = p.cmd.Process.Signal(sig)
	if sig == syscall.SIGKILL {
		_ = p.cmd.Wait()
	}
	return now
}

func (cl *cluster) live(typ string) []*proc {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var out []*proc
	for _, p := range cl.procs {
		if !p.dead && (typ == "" || p.typ == typ) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *proc) int { return strings.Compare(a.id, b.id) })
	return out
}

// procSample is what /proc tells of a process at one moment.
type procSample struct {
	cpu      int64 // user+system time, ns (in clock ticks: 10 ms steps)
	run      int64 // time on a CPU, ns, summed over the live threads (schedstat)
	switches int64 // context switches, voluntary and not, summed over the live threads
	rss      int64 // bytes
}

// sampleProc reads a process's CPU time, RSS, and its threads' run time
// and context switches (each a wake-up of one of its threads).
func sampleProc(pid int) procSample {
	var s procSample
	cpu, err := procstat.CPU(pid)
	if err != nil {
		return s
	}
	s.cpu = int64(cpu)
	s.rss, _ = procstat.RSS(pid)
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		dir := fmt.Sprintf("/proc/%d/task/%s/", pid, t.Name())
		if b, err := os.ReadFile(dir + "schedstat"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 0 {
				v, _ := strconv.ParseInt(f[0], 10, 64)
				s.run += v
			}
		}
		if b, err := os.ReadFile(dir + "status"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					s.switches += n
				}
			}
		}
	}
	return s
}

func stats(p *proc) (event, bool) {
	if _, err := io.WriteString(p.stdin, "stats\n"); err != nil {
		return event{}, false
	}
	select {
	case e := <-p.stats:
		return e, true
	case <-time.After(5 * time.Second):
		return event{}, false
	}
}

// runResult is what one run measured.
type runResult struct {
	Run                  int                   `json:"run"`
	Load                 string                `json:"load_before"`
	StartAllMs           float64               `json:"start_all_ms"`           // spawn of the joiners to the last Start returning
	ConvergeMs           float64               `json:"converge_ms"`            // last Start returning to every view complete
	ConvergeFromSpawnMs  float64               `json:"converge_from_spawn_ms"` // spawn of the joiners to every view complete
	Converged            bool                  `json:"converged"`
	NotReady             int                   `json:"not_ready_after_start"`
	FalseLeavesStart     int                   `json:"false_leaves_start"` // from the spawn to the end of the settle time
	FalseLeavesIdle      int                   `json:"false_leaves_idle"`
	FalseLeavesBurn      int                   `json:"false_leaves_burn"`
	FalseLeavesLoad      int                   `json:"false_leaves_client_load"`
	LoadOK               int                   `json:"client_load_ok"`
	LoadPerSec           float64               `json:"client_load_per_s"`
	LoadFrontCPUPct      float64               `json:"client_load_frontend_cpu_pct_of_core"`
	LoadErrors           map[string]int        `json:"client_load_errors,omitempty"`
	CPUPctPerServer      float64               `json:"idle_cpu_pct_of_core_per_server"`
	RunPctPerServer      float64               `json:"idle_run_pct_of_core_per_server"` // from the threads' schedstat: ns-precise, live threads only
	SwitchesPerServerSec float64               `json:"idle_context_switches_per_server_s"`
	GCsPerServerMin      float64               `json:"idle_gcs_per_server_min"`
	RSSMiBPerServer      float64               `json:"idle_rss_mib_per_server"`
	LinksMin, LinksMax   int                   `json:"-"`
	Links                [2]int                `json:"links_per_server_min_max"`
	KillToGoneMs         float64               `json:"kill_to_gone_ms"` // the slowest of the run's kills
	KillToGoneMinMs      float64               `json:"kill_to_gone_min_ms"`
	KillsToGoneMs        []float64             `json:"kills_to_gone_ms"`
	GracefulLeaveMs      float64               `json:"graceful_leave_ms"`
	ChurnKills           int                   `json:"churn_kills"`
	ChurnLinks           [2]int                `json:"links_per_server_after_churn_min_max"`
	ChurnCalls           map[string]int        `json:"churn_calls_by_code"`
	ChurnLate            int                   `json:"churn_calls_past_deadline"`
	ChurnMaxMs           float64               `json:"churn_call_max_ms"`
	FalseLeavesChurn     int                   `json:"false_leaves_churn"`
	FalseLeaveSamples    []string              `json:"false_leave_samples,omitempty"`
	Phases               map[string][2]float64 `json:"phases_s"` // window -> [start, end], seconds after the first spawn
	Errors               []string              `json:"errors,omitempty"`
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func oneRun(c config, run int) (r runResult, err error) {
	r.Run = run + 1
	r.Load = loadavg()
	cl := &cluster{c: c, procs: map[string]*proc{}, view: map[string]map[string]string{},
		expectedGone: map[string]int64{}, leaves: map[string]map[string]int64{}, start: time.Now()}
	defer func() {
		for _, p := range cl.live("") {
			_ = p.stdin.Close()
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range cl.live("") {
			done := make(chan struct{})
			go func() { _ = p.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				_ = p.cmd.Process.Kill()
			}
		}
	}()
	name := func(i int) (string, string) {
		if i < c.callers {
			return fmt.Sprintf("caller-%03d", i), "caller"
		}
		return fmt.Sprintf("room-%03d", i), "room"
	}
	id0, typ0 := name(0)
	var frontArgs []string
	if c.load > 0 {
		frontArgs = []string{"-listen", "127.0.0.1:0"}
	}
	first, err := cl.spawn(id0, typ0, "", frontArgs...)
	if err != nil {
		return r, err
	}
	select {
	case <-first.ready:
	case <-time.After(30 * time.Second):
		return r, fmt.Errorf("the first server did not start")
	}
	seed := first.gossip
	spawnAt := time.Now()
	for i := 1; i < c.n; i++ {
		id, typ := name(i)
		p, err := cl.spawn(id, typ, seed)
		if err != nil {
			return r, err
		}
		_ = p
	}
	for _, p := range cl.live("") {
		select {
		case <-p.ready:
		case <-time.After(60 * time.Second):
			return r, fmt.Errorf("%s did not start", p.id)
		}
	}
	r.StartAllMs = ms(time.Since(spawnAt))
	// Ready() right after Start: servers still alone.
	d, ok := cl.waitConverged(c.convergeTimeout)
	r.ConvergeMs, r.Converged = ms(d), ok
	r.ConvergeFromSpawnMs = ms(time.Since(spawnAt))
	if !ok {
		r.Errors = append(r.Errors, "did not converge")
	}

	// Idle window: CPU, RSS, false leaves (after the start's work settled).
	time.Sleep(c.settle)
	r.FalseLeavesStart = cl.falseCount()
	live := cl.live("")
	gcs0 := make([]uint64, len(live))
	for i, p := range live {
		if e, ok := stats(p); ok {
			gcs0[i] = e.GCs
		}
	}
	if c.cpuprofile != "" {
		if err := os.MkdirAll(c.cpuprofile, 0o755); err != nil {
			return r, err
		}
		for _, p := range live {
			_, _ = fmt.Fprintf(p.stdin, "cpuprofile %s\n", filepath.Join(c.cpuprofile, fmt.Sprintf("%d-%s.pprof", r.Run, p.id)))
		}
	}
	s0 := make([]procSample, len(live))
	for i, p := range live {
		s0[i] = sampleProc(p.cmd.Process.Pid)
	}
	t0 := time.Now()
	time.Sleep(c.idle)
	r.phase("idle", cl, t0)
	el := time.Since(t0)
	var cpuSum, runSum, rssSum, swSum float64
	for i, p := range live {
		s := sampleProc(p.cmd.Process.Pid)
		cpuSum += float64(s.cpu - s0[i].cpu)
		runSum += float64(s.run - s0[i].run)
		swSum += float64(s.switches - s0[i].switches)
		rssSum += float64(s.rss)
	}
	if c.cpuprofile != "" {
		for _, p := range live {
			_, _ = io.WriteString(p.stdin, "cpuprofile-stop\n")
		}
		for _, p := range live {
			select {
			case <-p.profiled:
			case <-time.After(10 * time.Second):
				r.Errors = append(r.Errors, p.id+" wrote no profile")
			}
		}
	}
	perServerSec := float64(len(live)) * el.Seconds()
	r.CPUPctPerServer = round(cpuSum/float64(len(live))/float64(el.Nanoseconds())*100, 3)
	r.RunPctPerServer = round(runSum/float64(len(live))/float64(el.Nanoseconds())*100, 3)
	r.SwitchesPerServerSec = round(swSum/perServerSec, 1)
	r.RSSMiBPerServer = round(rssSum/float64(len(live))/(1<<20), 1)
	r.FalseLeavesIdle = cl.falseCount() - r.FalseLeavesStart
	r.LinksMin, r.LinksMax = math.MaxInt, 0
	var gcs float64
	for i, p := range live {
		if e, ok := stats(p); ok {
			r.LinksMin, r.LinksMax = min(r.LinksMin, e.Links), max(r.LinksMax, e.Links)
			if !e.Ready {
				r.NotReady++
			}
			gcs += float64(e.GCs - gcs0[i])
		}
	}
	r.GCsPerServerMin = round(gcs/perServerSec*60, 2)
	r.Links = [2]int{r.LinksMin, r.LinksMax}

	// CPU saturated: busy loops on every core.
	if c.burn > 0 {
		before := cl.falseCount()
		burnStart := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), c.burn)
		var wg sync.WaitGroup
		for range runtime.NumCPU() {
			wg.Go(func() {
				x := 0
				for ctx.Err() == nil {
					for i := range 1 << 16 {
						x += i
					}
				}
				_ = x
			})
		}
		wg.Wait()
		cancel()
		r.phase("burn", cl, burnStart)
		time.Sleep(2 * time.Second) // leave events in flight
		r.FalseLeavesBurn = cl.falseCount() - before
	}

	// Client load on the frontend: the first server forwards every request
	// to a room.
	if c.load > 0 {
		clientLoad(c, cl, first, &r)
	}

	// Kill rooms, one at a time: time until every view dropped each.
	for range max(c.kills, 1) {
		rooms := cl.live("room")
		victim := rooms[len(rooms)-1]
		k := runKey(victim.id, victim.boot)
		at := cl.kill(victim, syscall.SIGKILL)
		if v, ok := cl.goneAfter(k, at, 30*time.Second); ok {
			r.KillsToGoneMs = append(r.KillsToGoneMs, round(v, 1))
		} else {
			r.Errors = append(r.Errors, "a killed server stayed in some view for 30 s")
		}
	}
	if len(r.KillsToGoneMs) > 0 {
		r.KillToGoneMs, r.KillToGoneMinMs = slices.Max(r.KillsToGoneMs), slices.Min(r.KillsToGoneMs)
	}
	// Graceful leave.
	rooms := cl.live("room")
	leaver := rooms[len(rooms)-1]
	k := runKey(leaver.id, leaver.boot)
	at := cl.kill(leaver, syscall.SIGTERM)
	if v, ok := cl.goneAfter(k, at, 30*time.Second); ok {
		r.GracefulLeaveMs = round(v, 1)
	} else {
		r.Errors = append(r.Errors, "a leaving server stayed in some view for 30 s")
	}
	go func() { _ = leaver.cmd.Wait() }()

	if c.churn > 0 {
		t := time.Now()
		churn(c, cl, &r)
		r.phase("churn", cl, t)
	}
	cl.mu.Lock()
	if n := len(cl.falseLeaves); n > 0 {
		r.FalseLeaveSamples = cl.falseLeaveSummary()
	}
	cl.mu.Unlock()
	return r, nil
}

// clientLoad runs c.loadConns client connections against the frontend for
// c.load, each sending a room.room.echo request as soon as the last one is
// answered, and counts the false leaves meanwhile.
func clientLoad(c config, cl *cluster, front *proc, r *runResult) {
	before, start := cl.falseCount(), time.Now()
	payload, _ := proto.Marshal(wrapperspb.Bytes(make([]byte, 64)))
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr: front.listen, Conns: c.loadConns, Duration: c.load, Pipeline: 1,
		Route: echoRoute, Payload: payload, ServerPID: front.cmd.Process.Pid,
		Client: client.Options{Logger: slog.New(slog.DiscardHandler)},
	})
	r.phase("client load", cl, start) // the load alone, as the burn's phase
	time.Sleep(2 * time.Second)       // leave events in flight
	r.FalseLeavesLoad = cl.falseCount() - before
	if err != nil {
		r.Errors = append(r.Errors, "client load: "+err.Error())
		return
	}
	r.LoadOK, r.LoadErrors = rep.OK, rep.Errors
	r.LoadPerSec = round(rep.Throughput, 0)
	r.LoadFrontCPUPct = round(rep.ServerCPU.Seconds()/rep.Elapsed.Seconds()*100, 1)
}

// churn SIGKILLs a room every c.killEvery and restarts it under its id,
// while the callers call round robin.
func churn(c config, cl *cluster, r *runResult) {
	before := cl.falseCount()
	callers := cl.live("caller")
	for _, p := range callers {
		_, _ = fmt.Fprintf(p.stdin, "call %d %d\n", c.rate, c.deadline.Milliseconds())
	}
	seed := callers[0].gossip
	end := time.Now().Add(c.churn)
	for i := 0; time.Now().Before(end); i++ {
		time.Sleep(c.killEvery)
		rooms := cl.live("room")
		victim := rooms[i%len(rooms)]
		cl.kill(victim, syscall.SIGKILL)
		r.ChurnKills++
		if _, err := cl.spawn(victim.id, "room", seed); err != nil {
			r.Errors = append(r.Errors, err.Error())
		}
	}
	for _, p := range callers {
		_, _ = io.WriteString(p.stdin, "nocall\n")
	}
	time.Sleep(c.deadline + 500*time.Millisecond) // calls in flight end
	r.ChurnCalls = map[string]int{}
	for _, p := range callers {
		if e, ok := stats(p); ok {
			for k, v := range e.Calls {
				r.ChurnCalls[k] += v
			}
			r.ChurnLate += e.Late
			r.ChurnMaxMs = max(r.ChurnMaxMs, e.MaxMs)
		}
	}
	r.FalseLeavesChurn = cl.falseCount() - before
	r.ChurnLinks = [2]int{math.MaxInt, 0}
	for _, p := range cl.live("") {
		if e, ok := stats(p); ok {
			r.ChurnLinks = [2]int{min(r.ChurnLinks[0], e.Links), max(r.ChurnLinks[1], e.Links)}
		}
	}
}

// phase records a window of the run, from start to now.
func (r *runResult) phase(name string, cl *cluster, start time.Time) {
	if r.Phases == nil {
		r.Phases = map[string][2]float64{}
	}
	r.Phases[name] = [2]float64{round(start.Sub(cl.start).Seconds(), 1), round(time.Since(cl.start).Seconds(), 1)}
}

func ms(d time.Duration) float64 { return round(float64(d.Microseconds())/1e3, 1) }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func (r runResult) print() {
	fmt.Printf("run %d (load %s): start %.0f ms, converge %.0f ms (from spawn %.0f ms, ok=%v), false leaves start/idle/burn/load/churn %d/%d/%d/%d/%d, idle CPU %.3f%% of a core (threads' run time %.3f%%; %.1f context switches/s, %.2f GCs/min) and RSS %.1f MiB per server, links %d–%d, client load %.0f req/s (%d OK, errors %v, frontend CPU %.0f%%), kill→gone %.0f–%.0f ms (%d kills), graceful leave %.0f ms, churn %d kills: %v, %d past deadline, max %.0f ms, links after %v %v\n",
		r.Run, r.Load, r.StartAllMs, r.ConvergeMs, r.ConvergeFromSpawnMs, r.Converged, r.FalseLeavesStart, r.FalseLeavesIdle, r.FalseLeavesBurn, r.FalseLeavesLoad, r.FalseLeavesChurn,
		r.CPUPctPerServer, r.RunPctPerServer, r.SwitchesPerServerSec, r.GCsPerServerMin, r.RSSMiBPerServer, r.LinksMin, r.LinksMax, r.LoadPerSec, r.LoadOK, r.LoadErrors, r.LoadFrontCPUPct, r.KillToGoneMinMs, r.KillToGoneMs, len(r.KillsToGoneMs), r.GracefulLeaveMs, r.ChurnKills, r.ChurnCalls, r.ChurnLate, r.ChurnMaxMs, r.ChurnLinks, r.Errors)
}

// summary is the JSON file: the configuration, every run, and min/max of
// each figure.
type summary struct {
	Servers  int                   `json:"servers"`
	Profile  string                `json:"profile"`
	Cores    int                   `json:"cores"`
	Idle     string                `json:"idle_window"`
	Burn     string                `json:"burn_window"`
	Load     string                `json:"client_load_window"`
	Churn    string                `json:"churn"`
	Runs     []runResult           `json:"runs"`
	Spread   map[string][2]float64 `json:"spread_min_max"`
	LoadTail string                `json:"load_after"`
}

func summarize(c config, rs []runResult) summary {
	s := summary{Servers: c.n, Profile: c.profile, Cores: runtime.NumCPU(), Idle: c.idle.String(), Burn: c.burn.String(),
		Load:  fmt.Sprintf("%v, %d connections, one %s request at a time each", c.load, c.loadConns, echoRoute),
		Churn: fmt.Sprintf("%v, a room SIGKILLed and restarted every %v, %d callers × %d calls/s, deadline %v", c.churn, c.killEvery, c.callers, c.rate, c.deadline),
		Runs:  rs, Spread: map[string][2]float64{}, LoadTail: loadavg()}
	add := func(name string, f func(runResult) float64) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, r := range rs {
			lo, hi = math.Min(lo, f(r)), math.Max(hi, f(r))
		}
		if len(rs) > 0 {
			s.Spread[name] = [2]float64{lo, hi}
		}
	}
	add("converge_ms", func(r runResult) float64 { return r.ConvergeMs })
	add("converge_from_spawn_ms", func(r runResult) float64 { return r.ConvergeFromSpawnMs })
	add("false_leaves_start", func(r runResult) float64 { return float64(r.FalseLeavesStart) })
	add("false_leaves_churn", func(r runResult) float64 { return float64(r.FalseLeavesChurn) })
	add("false_leaves_idle", func(r runResult) float64 { return float64(r.FalseLeavesIdle) })
	add("false_leaves_burn", func(r runResult) float64 { return float64(r.FalseLeavesBurn) })
	add("false_leaves_client_load", func(r runResult) float64 { return float64(r.FalseLeavesLoad) })
	add("client_load_per_s", func(r runResult) float64 { return r.LoadPerSec })
	add("idle_cpu_pct_of_core_per_server", func(r runResult) float64 { return r.CPUPctPerServer })
	add("idle_run_pct_of_core_per_server", func(r runResult) float64 { return r.RunPctPerServer })
	add("idle_context_switches_per_server_s", func(r runResult) float64 { return r.SwitchesPerServerSec })
	add("idle_rss_mib_per_server", func(r runResult) float64 { return r.RSSMiBPerServer })
	add("kill_to_gone_ms", func(r runResult) float64 { return r.KillToGoneMs })
	add("kill_to_gone_min_ms", func(r runResult) float64 { return r.KillToGoneMinMs })
	add("graceful_leave_ms", func(r runResult) float64 { return r.GracefulLeaveMs })
	add("churn_calls_past_deadline", func(r runResult) float64 { return float64(r.ChurnLate) })
	add("churn_gs504", func(r runResult) float64 { return float64(r.ChurnCalls["GS-504"]) })
	return s
}

func (s summary) print() {
	keys := make([]string, 0, len(s.Spread))
	for k := range s.Spread {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Printf("%d servers, profile %s, %d runs (min – max):\n", s.Servers, s.Profile, len(s.Runs))
	for _, k := range keys {
		fmt.Printf("  %-34s %10.3f – %.3f\n", k, s.Spread[k][0], s.Spread[k][1])
	}
}
