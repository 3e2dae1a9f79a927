package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gamesrv/gamesrv/internal/loadgen"
	"github.com/gamesrv/gamesrv/runtime/gamesrv"
	"github.com/gamesrv/gamesrv/runtime/server"
)

// TestJSONServerWithoutSchema: a JSON server that does not describe its
// schema (a Pomelo-style server) still works from the repl and bench:
// JSON payloads go as typed, JSON answers, pushes and errors print as JSON.
func TestJSONServerWithoutSchema(t *testing.T) {
	addrs := startChat(t, server.Options{Serializer: gamesrv.JSONSerializer{}, DisableDescribe: true})
	t.Run("repl", func(t *testing.T) {
		s := startRepl(t, addrs["ws"])
		if !strings.Contains(s.out.String(), "serializer json") {
			t.Errorf("greeting: %q", s.out.String())
		}
		s.send(`request chat.room.join {"room":"lobby","name":"ann"}`)
		s.expect(`{"members":["ann"]}`, members("ann"))
		s.expect("her arrival as JSON", func(l string) bool {
			p, ok := strings.CutPrefix(l, "push onMembers ")
			return ok && json.Valid([]byte(p))
		})
		s.send(`request chat.room.join {"room":"","name":"ann"}`)
		s.expect("the coded error", func(l string) bool { return strings.Contains(l, "CHAT-BAD-ROOM") })
		s.send("quit")
		if code := s.exit(); code != exitOK {
			t.Errorf("exit %d: %s", code, s.errs.String())
		}
	})
	t.Run("bench", func(t *testing.T) {
		code, out, errOut := runCLI(t, "bench", "-addr", addrs["tcp"], "-c", "2", "-n", "10", "-o", "json",
			"-route", "chat.room.members", "-json", "{}", "-init", `chat.room.join={"room":"b","name":"bot-%d"}`)
		if code != exitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		var rep loadgen.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.OK != 20 || len(rep.Errors) != 0 {
			t.Errorf("report %+v (%v)\n%s", rep, err, errOut)
		}
	})
	checkNoLeaks(t)
}
