package childproc

import (
	"strings"
	"testing"
	"time"
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
