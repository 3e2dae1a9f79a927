package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	benchv1 "github.com/gamesrv/gamesrv/bench/gen/bench/v1"
	"github.com/gamesrv/gamesrv/internal/childproc"
)

// TestPeer runs rows 1 and 2 with an external server as the peer: a
// gnetecho process the test starts itself, given to the suite only by its
// address, process id, route and payload, as a user gives a Pitaya server.
func TestPeer(t *testing.T) {
	bins := buildServers(t)
	peer, err := childproc.Start("peer", bins["gnetecho"], "-addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Kill()
	addr, err := peer.AwaitWord(10*time.Second, "LISTEN", "tcp")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config{payload: 16}
	payload, err := echoPayload(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cfg, err = parseConfig([]string{"-quick", "-rows", "1,2", "-out", out, "-server", bins["echoserver"], "-gnet", bins["gnetecho"],
		"-peer", "tcp://" + addr, "-peer-pid", strconv.Itoa(peer.PID()), "-peer-name", "external gnet",
		"-peer-route", benchv1.EchoServiceEchoRoute, "-peer-payload-hex", hex.EncodeToString(payload)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, progress bytes.Buffer
	if code := run(ctx, cfg, &stdout, &progress); code != 0 {
		t.Fatalf("exit code %d\n%s\n%s", code, progress.String(), stdout.String())
	}
	res := readResults(t, filepath.Join(out, "latest.json"))
	if len(res.Rows) != 4 {
		t.Fatalf("got %d rows, want 1, 1b, 2a, 2b", len(res.Rows))
	}
	for _, row := range res.Rows {
		p := row.Peer
		switch {
		case p == nil:
			t.Fatalf("row %s has no peer figure", row.ID)
		case p.Name != "external gnet" || p.Addr != "tcp://"+addr || p.Route != benchv1.EchoServiceEchoRoute:
			t.Errorf("row %s: peer %+v", row.ID, p)
		case p.Value <= 0 || len(p.Rounds) != cfg.rounds || p.VsMeasured <= 0:
			t.Errorf("row %s: peer not measured: %+v", row.ID, p)
		case !strings.Contains(row.Details, "peer external gnet"):
			t.Errorf("row %s: peer missing from the details: %s", row.ID, row.Details)
		}
		if len(row.Rounds) != cfg.rounds || len(row.BaselineRounds) != cfg.rounds {
			t.Errorf("row %s: rounds %v, baseline rounds %v", row.ID, row.Rounds, row.BaselineRounds)
		}
		checkChecks(t, row, []string{checkAnswered})
	}
	if !strings.Contains(stdout.String(), "| # | figure | gamesrv | baseline | external gnet | ratio |") {
		t.Errorf("no peer column in the table:\n%s", stdout.String())
	}
}

// TestPeerFlags: the peer's flags are checked before anything runs.
func TestPeerFlags(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"-peer", "tcp://127.0.0.1:3250"}, true},
		{[]string{"-peer", "tcp://127.0.0.1:3250", "-peer-pid", "42", "-peer-route", "room.room.echo", "-peer-payload-hex", "7b7d"}, true},
		{[]string{"-peer", "127.0.0.1:3250"}, false},
		{[]string{"-peer", "tcp://127.0.0.1:3250", "-peer-payload-hex", "xyz"}, false},
		{[]string{"-peer", "tcp://127.0.0.1:3250", "-peer-pid", "-1"}, false},
		{[]string{"-peer", "tcp://127.0.0.1:3250", "-peer-name", "gamesrv"}, false},
		{[]string{"-peer-pid", "42"}, false},
	}
	for _, tt := range tests {
		c, err := parseConfig(tt.args)
		if (err == nil) != tt.ok {
			t.Errorf("parseConfig(%q): %v", tt.args, err)
			continue
		}
		if err == nil && tt.ok && len(tt.args) > 2 {
			tg := c.peer.target(nil)
			if tg.route != "room.room.echo" || string(tg.payload) != "{}" || tg.pid != 42 {
				t.Errorf("target %+v", tg)
			}
		}
	}
}

// TestPeerRowTimeout: a peer adds its rounds to rows 1 and 2, and the row
// timeout leaves room for all of them (with one round more than the
// servers' load time each).
func TestPeerRowTimeout(t *testing.T) {
	for _, quick := range []bool{false, true} {
		args := []string{"-peer", "tcp://127.0.0.1:3250"}
		if quick {
			args = append(args, "-quick")
		}
		c, err := parseConfig(args)
		if err != nil {
			t.Fatal(err)
		}
		servers := 3 // gamesrv, bare gnet and the peer
		load := time.Duration(servers*c.rounds*len(c.conns)) * (c.warmup + c.duration)
		if c.rowTimeout < load+time.Duration(servers)*(c.warmup+c.duration) {
			t.Errorf("quick %v: row timeout %v for %v of load", quick, c.rowTimeout, load)
		}
	}
}
