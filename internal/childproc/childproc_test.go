package childproc

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
)

// server is a child that prints a LISTEN line and a log line, then runs
// until SIGTERM, on which it exits 0.
const server = `echo "LISTEN tcp 127.0.0.1:99"; echo "booted" >&2; trap 'exit 0' TERM; while :; do sleep 0.05; done`

func TestAwaitWordAndStop(t *testing.T) {
	var g Group
	p, err := g.Start("sh", "/bin/sh", "-c", server)
	if err != nil {
		t.Fatal(err)
	}
	defer g.KillAll()
	addr, err := p.AwaitWord(10*time.Second, "LISTEN", "tcp")
	if err != nil || addr != "127.0.0.1:99" {
		t.Fatalf("AwaitWord = %q, %v", addr, err)
	}
	if _, err := p.AwaitWord(50*time.Millisecond, "GOSSIP"); err == nil || !strings.Contains(err.Error(), "did not print GOSSIP") {
		t.Fatalf("AwaitWord of a line never printed: %v", err)
	}
	if err := g.StopAll(); err != nil {
		t.Fatalf("StopAll: %v", err)
	}
	if !p.Exited() || p.Stop() != nil || p.Kill() != nil {
		t.Fatal("a stopped child is not reported exited, or stopping it again fails")
	}
	if !strings.Contains(p.Logs(), "booted") || p.Tail(1) != "booted" {
		t.Fatalf("logs %q, tail %q", p.Logs(), p.Tail(1))
	}
}

func TestAwaitReportsAnEarlyExit(t *testing.T) {
	p, err := Start("sh", "/bin/sh", "-c", `echo "crashed" >&2; exit 3`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Await("LISTEN", 10*time.Second, func(Line) bool { return false })
	if err == nil || !strings.Contains(err.Error(), "exited before printing LISTEN: crashed") {
		t.Fatalf("Await on a child that exited: %v", err)
	}
	// The end of stdout is reported after the reaping: no Wait needed.
	if !p.Exited() {
		t.Fatal("a child whose end Await reported is not reported exited")
	}
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "sh exited: exit status 3") || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("Stop on a child that exited = %v, want its exit status and logs", err)
	}
	if err := p.Wait(10 * time.Second); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
}

func TestKillEndsAChildThatIgnoresTerm(t *testing.T) {
	p, err := Start("sh", "/bin/sh", "-c", `trap '' TERM; echo up; while :; do sleep 0.05; done`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Await("up", 10*time.Second, func(l Line) bool { return len(l.Fields) == 1 && l.Fields[0] == "up" }); err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil || !p.Exited() {
		t.Fatalf("Kill = %v, exited %v", err, p.Exited())
	}
}

func TestStartFailsOnAMissingBinary(t *testing.T) {
	if _, err := Start("x", "/nonexistent/server"); err == nil {
		t.Fatal("started a binary that does not exist")
	}
}

// trapper is a child that exits 0 on SIGTERM, its trap set before it
// prints "up".
const trapper = `trap 'exit 0' TERM; echo up; while :; do sleep 0.05; done`

// TestExitSeenByEveryReader ends a child while other goroutines are
// already blocked in Wait: the exit result has many readers, so the
// waiters and the goroutine that ends the child all see it at once. With a
// single reader, the first waiter took it and Kill waited out its grace
// (killTimeout), Stop its SIGTERM timeout.
func TestExitSeenByEveryReader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		waiters int
		end     func(*Process) error
		want    string // in every waiter's error; "" for a clean exit
	}{
		{"kill with one waiter", 1, (*Process).Kill, "signal: killed"},
		{"kill with three waiters", 3, (*Process).Kill, "signal: killed"},
		{"stop with one waiter", 1, (*Process).Stop, ""},
		{"stop with two waiters", 2, (*Process).Stop, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Start("sh", "/bin/sh", "-c", trapper)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p.Kill() }()
			if _, err := p.Await("up", 10*time.Second, func(l Line) bool { return len(l.Fields) == 1 && l.Fields[0] == "up" }); err != nil {
				t.Fatal(err)
			}
			results := make(chan error, tc.waiters)
			for range tc.waiters {
				go func() { results <- p.Wait(10 * time.Second) }()
			}
			testkit.Eventually(t, 10*time.Second, func() bool { return blockedInWait() >= tc.waiters }, "the waiters to block in Wait")

			start := time.Now()
			if err := tc.end(p); err != nil {
				t.Fatalf("ending the child: %v", err)
			}
			if d := time.Since(start); !p.Exited() || d >= killTimeout/2 {
				t.Fatalf("ending the child returned after %v, exited %v; want it reaped, in well under %v", d, p.Exited(), killTimeout)
			}
			for range tc.waiters {
				err := <-results
				if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
					t.Errorf("a waiter's Wait = %v, want %q", err, tc.want)
				}
			}
			if err := p.Wait(0); (err != nil) != (tc.want != "") {
				t.Errorf("Wait after the end = %v, want %q", err, tc.want)
			}
		})
	}
}

// blockedInWait counts the goroutines blocked in a Process's Wait.
func blockedInWait() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[select") && strings.Contains(g, "childproc.(*Process).Wait(") {
			n++
		}
	}
	return n
}
