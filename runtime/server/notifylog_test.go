package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gamesrv/gamesrv/internal/testkit"
	"github.com/gamesrv/gamesrv/runtime/client"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// records returns every record with message msg.
func (c *logCapture) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(c.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// TestFailedNotifyLoggedAtWarn: a notify whose handler fails is logged at
// Warn with its route, code and message, at most one line per route per
// second however many fail.
func TestFailedNotifyLoggedAtWarn(t *testing.T) {
	var logs logCapture
	srv, err := server.New(server.Options{Logger: logs.logger(), QueueSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterService(&fuzzDesc, fuzzHandler{}); err != nil {
		t.Fatal(err)
	}
	addr, _ := testkit.Serve(t, srv)
	ctx := context.Background()
	c, err := client.Dial(ctx, addr, client.Options{Logger: quietLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	const notifies = 200
	start := time.Now()
	for range notifies {
		if err := c.NotifyRaw(ctx, fzTell, str("error")); err != nil {
			t.Fatal(err)
		}
	}
	// The session runs its jobs in order: once this request is answered,
	// every notify before it has been handled.
	if _, err := c.RequestRaw(ctx, fzCall, str("hi")); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)

	recs := logs.records("notify failed")
	if len(recs) == 0 {
		t.Fatal("no Warn line for the failed notifies")
	}
	if most := 1 + int(elapsed/time.Second); len(recs) > most {
		t.Errorf("%d lines in %v for one route, want at most %d", len(recs), elapsed, most)
	}
	lines := 0
	for _, rec := range recs {
		for k, want := range map[string]any{"level": "WARN", "route": fzTell, "code": "APP-1", "err": "app failure"} {
			if rec[k] != want {
				t.Errorf("record %v: %s = %v, want %v", rec, k, rec[k], want)
			}
		}
		if _, ok := rec["session"]; !ok {
			t.Errorf("record %v has no session", rec)
		}
		n, _ := rec["suppressed"].(float64)
		lines += 1 + int(n)
	}
	if lines > notifies {
		t.Errorf("lines and suppressed counts add up to %d for %d failed notifies", lines, notifies)
	}
}
