package gossip

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/hashicorp/memberlist"
)

// Test helpers carry a "gossip" prefix: other files of this package have
// tests of their own.

// gossipTest prepares a membership test: it checks at the end that no
// goroutine was left behind, and returns a logger that writes to the test
// log (with -v) until then.
func gossipTest(t *testing.T) *slog.Logger {
	t.Helper()
	log := testkit.Logger(t) // its cleanup, registered first, runs last
	gossipCheckGoroutines(t)
	return log
}

// gossipCheckGoroutines fails the test if, after its cleanups, the number of
// goroutines does not come back to where it was (with a small tolerance for
// runtime goroutines) within 5 s.
func gossipCheckGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		const tolerance = 2
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before+tolerance {
			if time.Now().After(deadline) {
				var buf bytes.Buffer
				_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
				t.Errorf("goroutines: %d before, %d after the test:\n%s", before, runtime.NumGoroutine(), buf.String())
				return
			}
			gossipPause()
		}
	})
}

// gossipPause is the polling period of the wait helpers.
func gossipPause() { <-time.After(10 * time.Millisecond) }

// gossipWaitFor polls cond until it holds or the timeout passes, and returns
// how long it took.
func gossipWaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		gossipPause()
	}
	return time.Since(start)
}

// gossipNever fails the test if cond holds at any poll during d.
func gossipNever(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); time.Since(start) < d; gossipPause() {
		if cond() {
			t.Fatalf("%s", what)
		}
	}
}

// gossipEvent is one callback call.
type gossipEvent struct {
	kind     string // "join", "leave", "update"
	m        Member
	at       time.Time
	graceful bool // for "leave": the member announced it
}

// gossipRecorder records the callbacks of one Membership.
type gossipRecorder struct {
	mu     sync.Mutex
	events []gossipEvent
}

func (r *gossipRecorder) hook(cfg *Config) {
	add := func(e gossipEvent) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.events = append(r.events, e)
	}
	rec := func(kind string) func(Member) {
		return func(m Member) { add(gossipEvent{kind: kind, m: m, at: time.Now()}) }
	}
	cfg.OnJoin, cfg.OnUpdate = rec("join"), rec("update")
	cfg.OnLeave = func(m Member, graceful bool) {
		add(gossipEvent{kind: "leave", m: m, at: time.Now(), graceful: graceful})
	}
}

// find returns the first event of a kind about id that satisfies ok (nil:
// any).
func (r *gossipRecorder) find(kind, id string, ok func(Member) bool) (gossipEvent, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.kind == kind && e.m.ID == id && (ok == nil || ok(e.m)) {
			return e, true
		}
	}
	return gossipEvent{}, false
}

// gossipNode is a Membership with its recorder.
type gossipNode struct {
	*Membership
	rec *gossipRecorder
}

func gossipTestConfig(id, typ string) Config {
	return Config{
		Self:     Member{ID: id, Type: typ, LinkAddr: net.JoinHostPort(id+".test", "7000"), Version: "test"},
		BindAddr: "127.0.0.1:0",
		Profile:  ProfileFast,
	}
}

// startGossipNode starts a Membership that the test shuts down at its end.
func startGossipNode(t testing.TB, log *slog.Logger, cfg Config) *gossipNode {
	t.Helper()
	n := &gossipNode{rec: &gossipRecorder{}}
	n.rec.hook(&cfg)
	cfg.Logger = log
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", cfg.Self.ID, err)
	}
	t.Cleanup(func() {
		if err := m.Shutdown(); err != nil {
			t.Errorf("Shutdown(%s): %v", cfg.Self.ID, err)
		}
	})
	n.Membership = m
	return n
}

// startGossipCluster starts n nodes ("n0"... of types from types, cycled),
// joins nodes 1..n-1 to node 0 concurrently, waits until every node sees all
// of them and returns the nodes and the convergence time.
func startGossipCluster(t testing.TB, log *slog.Logger, n int, types []string, edit func(*Config)) ([]*gossipNode, time.Duration) {
	t.Helper()
	nodes := make([]*gossipNode, n)
	for i := range nodes {
		cfg := gossipTestConfig(fmt.Sprintf("n%d", i), types[i%len(types)])
		cfg.Self.Frontend = cfg.Self.Type == "connector"
		if edit != nil {
			edit(&cfg)
		}
		nodes[i] = startGossipNode(t, log, cfg)
	}
	start := time.Now()
	seed := []string{nodes[0].GossipAddr()}
	errs := make(chan error, n)
	for _, nd := range nodes[1:] {
		go func() {
			_, err := nd.Join(seed)
			errs <- err
		}()
	}
	for range nodes[1:] {
		if err := <-errs; err != nil {
			t.Fatalf("Join: %v", err)
		}
	}
	// Joins converge in well under 100 ms; the bound is three ProfileFast
	// push/pull rounds (5 s each), which repair gossip lost on a loaded
	// machine (this package's tests run beside package cluster's).
	gossipWaitFor(t, 15*time.Second, fmt.Sprintf("%d nodes to converge", n), func() bool {
		return gossipAllSee(nodes, n)
	})
	return nodes, time.Since(start)
}

func gossipAllSee(nodes []*gossipNode, want int) bool {
	for _, nd := range nodes {
		if nd.NumMembers() != want {
			return false
		}
	}
	return true
}

func gossipIDs(ms []Member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func TestMembershipJoinConverges(t *testing.T) {
	log := gossipTest(t)
	nodes, took := startGossipCluster(t, log, 5, []string{"connector", "room", "room"}, nil)
	t.Logf("5 nodes (4 concurrent joins to one seed) converged in %v", took)

	for _, nd := range nodes {
		self := nd.Self()
		if got := gossipIDs(nd.Members()); !slices.Equal(got, []string{"n0", "n1", "n2", "n3", "n4"}) {
			t.Errorf("%s: Members() = %v", self.ID, got)
		}
		if got := gossipIDs(nd.ByType("room")); !slices.Equal(got, []string{"n1", "n2", "n4"}) {
			t.Errorf("%s: ByType(room) = %v", self.ID, got)
		}
		if got := gossipIDs(nd.ByType("connector")); !slices.Equal(got, []string{"n0", "n3"}) {
			t.Errorf("%s: ByType(connector) = %v", self.ID, got)
		}
		if got := nd.ByType("chat"); got != nil {
			t.Errorf("%s: ByType(chat) = %v", self.ID, got)
		}
		if got := nd.Types(); !slices.Equal(got, []string{"connector", "room"}) {
			t.Errorf("%s: Types() = %v", self.ID, got)
		}
		if _, ok := nd.rec.find("join", self.ID, nil); !ok {
			t.Errorf("%s: no OnJoin for itself", self.ID)
		}
		for _, other := range nodes {
			want := other.Self()
			got, ok := nd.Member(want.ID)
			if !ok || got != want {
				t.Errorf("%s: Member(%s) = %+v, %v; want %+v", self.ID, want.ID, got, ok, want)
			}
			if _, ok := nd.rec.find("join", want.ID, func(m Member) bool { return m == want }); !ok {
				t.Errorf("%s: no OnJoin for %s", self.ID, want.ID)
			}
		}
	}
	self := nodes[0].Self()
	if self.BootID == "" || self.GossipAddr != nodes[0].GossipAddr() || !self.Frontend {
		t.Errorf("Self() = %+v", self)
	}
	if _, ok := nodes[0].Member("nobody"); ok {
		t.Error("Member(nobody) found")
	}
}

// gossipKill shuts one node of a converged cluster down without Leave and
// returns, per other node, the time until its OnLeave for the victim.
func gossipKill(t testing.TB, nodes []*gossipNode, victim int, budget time.Duration) []time.Duration {
	t.Helper()
	id := nodes[victim].Self().ID
	killed := time.Now()
	if err := nodes[victim].Shutdown(); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var others []*gossipNode
	for i, nd := range nodes {
		if i != victim {
			others = append(others, nd)
		}
	}
	gossipWaitFor(t, budget+2*time.Second, "every node to drop "+id, func() bool {
		for _, nd := range others {
			if _, ok := nd.Member(id); ok {
				return false
			}
		}
		return true
	})
	var took []time.Duration
	for _, nd := range others {
		e, ok := nd.rec.find("leave", id, nil)
		if !ok {
			t.Fatalf("%s dropped %s without OnLeave", nd.Self().ID, id)
		}
		took = append(took, e.at.Sub(killed))
	}
	slices.Sort(took)
	return took
}

func TestMembershipKillDetected(t *testing.T) {
	log := gossipTest(t)
	nodes, _ := startGossipCluster(t, log, 5, []string{"room"}, nil)
	// A generous bound: how fast the fast profile detects a kill is a
	// measurement (TestMeasureFailureDetection, make cluster-scale), not a
	// timed test.
	took := gossipKill(t, nodes, 2, 30*time.Second)
	t.Logf("killed node left every view under fast: first observer %v, last %v (5 nodes)", took[0], took[len(took)-1])
	for _, nd := range slices.Delete(slices.Clone(nodes), 2, 3) {
		if got := gossipIDs(nd.ByType("room")); slices.Contains(got, "n2") || len(got) != 4 {
			t.Errorf("%s: ByType(room) = %v after the kill", nd.Self().ID, got)
		}
	}
}

// TestMeasureFailureDetection prints how long a killed node takes to leave
// every view under ProfileFast, over 5 trials:
//
//	GAMESRV_MEASURE=1 go test -run TestMeasureFailureDetection -v ./runtime/cluster/
func TestMeasureFailureDetection(t *testing.T) {
	if os.Getenv("GAMESRV_MEASURE") != "1" {
		t.Skip("set GAMESRV_MEASURE=1 to measure")
	}
	const trials = 5
	var firsts, lasts, joins []time.Duration
	for i := range trials {
		t.Run(fmt.Sprint("trial", i), func(t *testing.T) {
			log := gossipTest(t)
			nodes, join := startGossipCluster(t, log, 5, []string{"room"}, nil)
			took := gossipKill(t, nodes, 1+i%4, 10*time.Second)
			firsts, lasts = append(firsts, took[0]), append(lasts, took[len(took)-1])
			joins = append(joins, join)
		})
	}
	t.Logf("5 nodes, fast profile, %d trials (min/median/max):", trials)
	t.Logf("  killed node left the first view:  %s", gossipStats(firsts))
	t.Logf("  killed node left every view:      %s", gossipStats(lasts))
	t.Logf("  join convergence (4 concurrent):  %s", gossipStats(joins))
}

func gossipStats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no data"
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("%v / %v / %v", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]))
}

func TestMembershipLeave(t *testing.T) {
	log := gossipTest(t)
	nodes, _ := startGossipCluster(t, log, 3, []string{"room"}, nil)
	start := time.Now()
	if err := nodes[2].Leave(time.Second); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	leaveReturned := time.Since(start)
	gossipWaitFor(t, 2*time.Second, "OnLeave(n2) at n0 and n1", func() bool {
		_, ok0 := nodes[0].rec.find("leave", "n2", nil)
		_, ok1 := nodes[1].rec.find("leave", "n2", nil)
		return ok0 && ok1
	})
	e0, _ := nodes[0].rec.find("leave", "n2", nil)
	e1, _ := nodes[1].rec.find("leave", "n2", nil)
	if !e0.graceful || !e1.graceful {
		t.Error("a Leave was reported as a death")
	}
	t.Logf("Leave returned after %v; OnLeave at the peers after %v and %v", leaveReturned, e0.at.Sub(start), e1.at.Sub(start))
	if n := nodes[0].NumMembers(); n != 2 {
		t.Errorf("n0 sees %d members after n2 left", n)
	}
	// Leave is idempotent, Shutdown is safe after it, and the Membership is
	// closed for good.
	if err := nodes[2].Leave(time.Second); err != nil {
		t.Errorf("second Leave: %v", err)
	}
	if err := nodes[2].Shutdown(); err != nil {
		t.Errorf("Shutdown after Leave: %v", err)
	}
	if _, err := nodes[2].Join([]string{nodes[0].GossipAddr()}); !errors.Is(err, ErrClosed) {
		t.Errorf("Join after Leave: %v, want ErrClosed", err)
	}
	if err := nodes[2].SetWeight(3); !errors.Is(err, ErrClosed) {
		t.Errorf("SetWeight after Leave: %v, want ErrClosed", err)
	}
	if n := nodes[2].NumMembers(); n != 0 {
		t.Errorf("a node that left still sees %d members", n)
	}
	// Leave after Shutdown does nothing (memberlist itself would panic).
	if err := nodes[1].Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := nodes[1].Leave(time.Second); err != nil {
		t.Errorf("Leave after Shutdown: %v", err)
	}
}

func TestMembershipSetWeight(t *testing.T) {
	log := gossipTest(t)
	nodes, _ := startGossipCluster(t, log, 3, []string{"room"}, nil)
	start := time.Now()
	if err := nodes[1].SetWeight(5); err != nil {
		t.Fatalf("SetWeight: %v", err)
	}
	returned := time.Since(start)
	heavy := func(m Member) bool { return m.Weight == 5 }
	gossipWaitFor(t, 2*time.Second, "OnUpdate(n1, weight 5) everywhere", func() bool {
		for _, nd := range nodes {
			if _, ok := nd.rec.find("update", "n1", heavy); !ok {
				return false
			}
		}
		return true
	})
	var seen []time.Duration
	for _, nd := range nodes {
		e, _ := nd.rec.find("update", "n1", heavy)
		seen = append(seen, e.at.Sub(start))
	}
	t.Logf("SetWeight returned after %v; OnUpdate (n1, n0, n2) after %v", returned, seen)
	for _, nd := range nodes {
		if m := nd.ByType("room")[1]; m.ID != "n1" || m.Weight != 5 {
			t.Errorf("%s: ByType(room)[1] = %+v", nd.Self().ID, m)
		}
	}
	if w := nodes[1].Self().Weight; w != 5 {
		t.Errorf("Self().Weight = %d", w)
	}
	if err := nodes[1].SetWeight(-1); err == nil {
		t.Error("SetWeight(-1) succeeded")
	}
	if err := nodes[1].SetWeight(5); err != nil {
		t.Errorf("SetWeight to the same weight: %v", err)
	}
}

func TestMembershipEncrypt(t *testing.T) {
	log := gossipTest(t)
	key := []byte("0123456789abcdef0123456789abcdef")
	nodes, took := startGossipCluster(t, log, 3, []string{"room"}, func(c *Config) { c.Key = key })
	t.Logf("3 encrypted nodes converged in %v", took)

	intruders := map[string]func(*Config){
		"nokey":    func(*Config) {},
		"otherkey": func(c *Config) { c.Key = []byte("fedcba9876543210") },
		"label":    func(c *Config) { c.Key, c.Label = key, "other-cluster" },
	}
	var started []*gossipNode
	for id, edit := range intruders {
		cfg := gossipTestConfig(id, "room")
		edit(&cfg)
		nd := startGossipNode(t, log, cfg)
		started = append(started, nd)
		n, err := nd.Join([]string{nodes[0].GossipAddr()})
		t.Logf("intruder %s: Join = %d, %v", id, n, err)
	}
	gossipNever(t, time.Second, "an intruder got into the cluster", func() bool {
		for _, nd := range nodes {
			if nd.NumMembers() != 3 {
				return true
			}
		}
		for _, nd := range started {
			if nd.NumMembers() != 1 {
				return true
			}
		}
		return false
	})
	if m, err := New(Config{Self: Member{ID: "x", Type: "room"}, Profile: ProfileFast, Key: []byte("short")}); err == nil {
		_ = m.Shutdown()
		t.Error("a 5-byte key was accepted")
	}
}

func TestMembershipRestart(t *testing.T) {
	// A crashed server restarts with the same id on a new port, either after
	// the others declared its previous run dead or before.
	for _, detected := range []bool{true, false} {
		t.Run(fmt.Sprintf("after_detection=%v", detected), func(t *testing.T) {
			gossipRestart(t, detected)
		})
	}
}

func gossipRestart(t *testing.T, waitDetection bool) {
	log := gossipTest(t)
	nodes, _ := startGossipCluster(t, log, 3, []string{"room"}, nil)
	old := nodes[2].Self()
	killed := time.Now()
	if waitDetection {
		gossipKill(t, nodes, 2, 3*time.Second)
	} else if err := nodes[2].Shutdown(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	again := startGossipNode(t, log, gossipTestConfig(old.ID, old.Type))
	fresh := again.Self()
	if fresh.BootID == old.BootID || fresh.GossipAddr == old.GossipAddr {
		t.Fatalf("restart reused BootID or address: old %+v new %+v", old, fresh)
	}
	if _, err := again.Join([]string{nodes[0].GossipAddr()}); err != nil {
		t.Fatalf("Join after restart: %v", err)
	}
	rebooted := func(m Member) bool { return m.BootID == fresh.BootID }
	gossipWaitFor(t, 8*time.Second, "peers to see the restarted n2", func() bool {
		for _, nd := range nodes[:2] {
			m, ok := nd.Member(old.ID)
			if !ok || m != fresh {
				return false
			}
			_, joined := nd.rec.find("join", old.ID, rebooted)
			_, updated := nd.rec.find("update", old.ID, rebooted)
			if !joined && !updated {
				return false
			}
		}
		return again.NumMembers() == 3
	})
	t.Logf("restarted node (same id, new port, new BootID) was in every view %v after its start, %v after the kill",
		time.Since(start), time.Since(killed))
}

func TestJoinUnreachableSeed(t *testing.T) {
	log := gossipTest(t)
	nd := startGossipNode(t, log, gossipTestConfig("lonely", "room"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	if n, err := nd.Join([]string{dead}); err == nil || n != 0 {
		t.Errorf("Join(%s) = %d, %v; want an error", dead, n, err)
	} else {
		t.Logf("Join(%s): %v", dead, err)
	}
	if _, err := nd.Join(nil); err == nil {
		t.Error("Join(nil) succeeded")
	}
	if n := nd.NumMembers(); n != 1 {
		t.Errorf("NumMembers() = %d", n)
	}
}

func TestMembershipConfigErrors(t *testing.T) {
	gossipTest(t)
	bad := map[string]Config{
		"no id":          {Self: Member{Type: "room"}},
		"no type":        {Self: Member{ID: "a"}},
		"bind host":      {Self: Member{ID: "a", Type: "room"}, BindAddr: "localhost:0"},
		"bind port":      {Self: Member{ID: "a", Type: "room"}, BindAddr: "127.0.0.1"},
		"advertise":      {Self: Member{ID: "a", Type: "room"}, BindAddr: "127.0.0.1:0", AdvertiseAddr: "example.com"},
		"profile":        {Self: Member{ID: "a", Type: "room"}, BindAddr: "127.0.0.1:0", Profile: 9},
		"label":          {Self: Member{ID: "a", Type: "room"}, BindAddr: "127.0.0.1:0", Label: strings.Repeat("l", 256)},
		"weight":         {Self: Member{ID: "a", Type: "room", Weight: -2}, BindAddr: "127.0.0.1:0"},
		"ipv6 wildcard":  {Self: Member{ID: "a", Type: "room"}, BindAddr: "[::]:0"},
		"advertise any":  {Self: Member{ID: "a", Type: "room"}, BindAddr: "127.0.0.1:0", AdvertiseAddr: "0.0.0.0"},
		"advertise host": {Self: Member{ID: "a", Type: "room"}, BindAddr: "0.0.0.0:0", AdvertiseAddr: "not-an-ip:1"},
	}
	for name, cfg := range bad {
		m, err := New(cfg)
		if err == nil {
			_ = m.Shutdown()
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "cluster: ") {
			t.Errorf("%s: error %q lacks the cluster: prefix", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
}

func TestMembershipAdvertise(t *testing.T) {
	log := gossipTest(t)
	cfg := gossipTestConfig("adv", "room")
	cfg.AdvertiseAddr = "127.0.0.1"
	nd := startGossipNode(t, log, cfg)
	host, port, err := net.SplitHostPort(nd.GossipAddr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("GossipAddr() = %q", nd.GossipAddr())
	}
	if got := nd.Self().GossipAddr; got != nd.GossipAddr() {
		t.Errorf("Self().GossipAddr = %q, GossipAddr() = %q", got, nd.GossipAddr())
	}
}

func TestMembershipViewIndex(t *testing.T) {
	v := newMemberView()
	v.put(Member{ID: "b", Type: "room"})
	v.put(Member{ID: "a", Type: "room"})
	v.put(Member{ID: "c", Type: "chat"})
	rooms := v.ofType("room")
	if got := gossipIDs(rooms); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("ofType(room) = %v", got)
	}
	// A change publishes a new slice; the one handed out stays as it was.
	v.put(Member{ID: "b", Type: "chat", Weight: 2})
	if got := gossipIDs(rooms); !slices.Equal(got, []string{"a", "b"}) || rooms[1].Type != "room" {
		t.Errorf("a published slice changed: %+v", rooms)
	}
	if got := gossipIDs(v.ofType("chat")); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("ofType(chat) = %v", got)
	}
	if got := v.typeNames(); !slices.Equal(got, []string{"chat", "room"}) {
		t.Errorf("typeNames() = %v", got)
	}
	if _, ok := v.remove("a"); !ok {
		t.Error("remove(a) found nothing")
	}
	if got := v.typeNames(); !slices.Equal(got, []string{"chat"}) || v.ofType("room") != nil {
		t.Errorf("after removing the last room: types %v, rooms %v", got, v.ofType("room"))
	}
	v.close()
	if _, _, ok := v.put(Member{ID: "d", Type: "room"}); ok || v.len() != 0 {
		t.Error("a closed view accepted a member")
	}
}

func TestMembershipBadMetaIgnored(t *testing.T) {
	log := gossipTest(t)
	nd := startGossipNode(t, log, gossipTestConfig("n0", "room"))
	// What memberlist would report for a node of another program sharing
	// the network, then for a gamesrv node whose metadata names another id.
	nd.upsert(gossipFakeNode("alien", []byte("{}")))
	good, _ := encodeMeta(Member{ID: "liar", Type: "room"})
	nd.upsert(gossipFakeNode("honest", good))
	if n := nd.NumMembers(); n != 1 {
		t.Errorf("NumMembers() = %d after bad metadata, want 1", n)
	}
	// A member whose metadata turns bad is dropped, with OnLeave.
	ok, _ := encodeMeta(Member{ID: "x", Type: "room"})
	nd.upsert(gossipFakeNode("x", ok))
	nd.upsert(gossipFakeNode("x", []byte{9}))
	if _, found := nd.Member("x"); found {
		t.Error("x kept after its metadata turned bad")
	}
	if _, left := nd.rec.find("leave", "x", nil); !left {
		t.Error("no OnLeave for x")
	}
}

func gossipFakeNode(name string, meta []byte) *memberlist.Node {
	return &memberlist.Node{Name: name, Addr: net.IPv4(127, 0, 0, 1), Port: 1, Meta: meta}
}

func TestMembershipProfiles(t *testing.T) {
	for _, p := range []Profile{ProfileLAN, ProfileFast} {
		c, err := p.config()
		if err != nil {
			t.Fatalf("%v: %v", p, err)
		}
		if c.RetransmitMult != 4 || c.DeadNodeReclaimTime <= 0 || c.EnableCompression || c.SuspicionMult != 3 {
			t.Errorf("%v: RetransmitMult %d, DeadNodeReclaimTime %v, compression %v, SuspicionMult %d",
				p, c.RetransmitMult, c.DeadNodeReclaimTime, c.EnableCompression, c.SuspicionMult)
		}
	}
	c, _ := ProfileLAN.config()
	if c.ProbeInterval != time.Second || c.ProbeTimeout != 500*time.Millisecond || c.GossipInterval != 200*time.Millisecond ||
		c.GossipNodes != 6 || c.SuspicionMaxTimeoutMult != 6 || c.PushPullInterval != 30*time.Second {
		t.Errorf("lan profile: %+v", c)
	}
	c, _ = ProfileFast.config()
	if c.ProbeInterval != 300*time.Millisecond || c.ProbeTimeout != 250*time.Millisecond ||
		c.GossipInterval != 150*time.Millisecond || c.SuspicionMaxTimeoutMult != 4 ||
		c.IndirectChecks != 4 || c.GossipNodes != 8 || c.AwarenessMaxMultiplier < 2 ||
		c.PushPullInterval != 5*time.Second || c.TCPTimeout != 3*time.Second {
		t.Errorf("fast profile: %+v", c)
	}
	if got := fmt.Sprint(ProfileLAN, ProfileFast, Profile(7)); got != "lan fast Profile(7)" {
		t.Errorf("String: %q", got)
	}
	if ProfileLAN.DefaultBindAddr() != "0.0.0.0:7946" || ProfileFast.DefaultBindAddr() != "127.0.0.1:0" {
		t.Error("default bind addresses changed")
	}
}
